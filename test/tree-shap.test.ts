import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadAdultFile } from '../domain/dataset.js';
import { InputError } from '../domain/errors.js';
import { createMatrix, matrixFromRows, row, type Matrix } from '../domain/matrix.js';
import { baselineShap } from '../domain/shap/baseline-shap.js';
import { baselineGame, bruteForceShapley } from '../domain/shap/brute-force.js';
import type { Explanation } from '../domain/shap/explanation.js';
import { treeShap } from '../domain/shap/tree-shap.js';
import { parseXGBoostModel, type XGBoostModel } from '../domain/xgboost-model.js';
import { referenceContribs, scratchDir, trainFixture, writeDataset } from './helpers/reference.js';

const KINDS = ['gbtree', 'dart', 'categorical'] as const;
type Kind = (typeof KINDS)[number];

const test = loadAdultFile('test');
const data = loadAdultFile('data');
const models = new Map<Kind, { path: string; model: XGBoostModel }>();
let testCsv: string;

before(async () => {
  const dir = await scratchDir('tree-shap');
  const train = await writeDataset(dir, data, 'adult-data');
  testCsv = (await writeDataset(dir, test, 'adult-test')).x;
  await Promise.all(KINDS.map((kind) => trainFixture(kind, train.xy, join(dir, `${kind}.json`))));
  for (const kind of KINDS) {
    const path = join(dir, `${kind}.json`);
    models.set(kind, { path, model: parseXGBoostModel(await readFile(path, 'utf8'), path) });
  }
});

function fixture(kind: Kind) {
  return models.get(kind)!;
}

/** Rows that have at least one missing value. */
function rowsWithMissingValues(matrix: Matrix): number[] {
  const rows: number[] = [];
  for (let r = 0; r < matrix.rows; r++) if (row(matrix, r).some(Number.isNaN)) rows.push(r);
  return rows;
}

/** The largest |expectedValue + sum of values - prediction| over all rows. */
function additivityError(explanation: Explanation): number {
  const { values, expectedValue, predictions } = explanation;
  let worst = 0;
  for (let r = 0; r < values.rows; r++) {
    const total = row(values, r).reduce((sum, value) => sum + value, expectedValue);
    worst = Math.max(worst, Math.abs(total - predictions[r]!));
  }
  return worst;
}

describe('TreeSHAP equals xgboost pred_contribs on every row of adult.test', () => {
  it('adult.test has missing values, so their default directions are exercised', () => {
    assert.ok(rowsWithMissingValues(test.features).length > 1000);
  });

  for (const kind of KINDS) {
    it(`${kind} model, by leaf tables, by the recursion, and by both mixed`, async () => {
      const { path, model } = fixture(kind);
      if (kind === 'categorical') assert.ok(model.trees.some((tree) => tree.categories.some((set) => set)));
      const contribs = await referenceContribs(path, testCsv);
      assert.equal(contribs.rows, 16281);
      assert.equal(contribs.cols, 15);

      // The default budget tables every tree here; 512 tables some; 0 leaves every tree to the recursion.
      for (const tableBudget of [undefined, 512, 0]) {
        const explanation = treeShap(model, test.features, { tableBudget });
        assert.equal(explanation.units, 'log-odds');
        let worst = 0;
        for (let r = 0; r < contribs.rows; r++) {
          for (let c = 0; c < 14; c++) {
            worst = Math.max(worst, Math.abs(explanation.values.data[r * 14 + c]! - contribs.data[r * 15 + c]!));
          }
          worst = Math.max(worst, Math.abs(explanation.expectedValue - contribs.data[r * 15 + 14]!));
        }
        assert.ok(worst < 1e-5, `budget ${tableBudget}: max difference ${worst}`);
        assert.ok(additivityError(explanation) < 1e-6, `budget ${tableBudget}: ${additivityError(explanation)}`);
      }
    });
  }
});

describe('exact baseline Shapley values equal the enumeration of all 2^14 coalitions', () => {
  const missing = rowsWithMissingValues(test.features);
  const explained = [0, 1, 2, missing[0]!, missing[1]!, missing[2]!];
  const baselines = {
    'one baseline row': matrixFromRows([row(data.features, 0)], 14),
    'two baseline rows, one with missing values': matrixFromRows(
      [row(data.features, 1), row(data.features, rowsWithMissingValues(data.features)[0]!)],
      14,
    ),
  };

  for (const kind of ['gbtree', 'categorical'] as const) {
    for (const [name, baseline] of Object.entries(baselines)) {
      it(`${kind} model, ${name}`, () => {
        const { model } = fixture(kind);
        const rows = matrixFromRows(
          explained.map((r) => row(test.features, r)),
          14,
        );
        const explanation = baselineShap(model, rows, baseline);
        for (let r = 0; r < rows.rows; r++) {
          const exact = bruteForceShapley(14, baselineGame(model, row(rows, r), baseline));
          const ours = row(explanation.values, r);
          const worst = Math.max(...exact.map((value, c) => Math.abs(value - ours[c]!)));
          assert.ok(worst < 1e-9, `row ${explained[r]}: max difference ${worst}`);
        }
        const empty = baselineGame(model, row(rows, 0), baseline)(0);
        assert.ok(Math.abs(explanation.expectedValue - empty) < 1e-12);
      });
    }
  }

  for (const kind of KINDS) {
    it(`${kind} model: values add up to f(x) on every row of adult.test`, () => {
      const explanation = baselineShap(
        fixture(kind).model,
        test.features,
        baselines['two baseline rows, one with missing values'],
      );
      assert.equal(explanation.values.rows, 16281);
      assert.ok(additivityError(explanation) < 1e-6, `max error ${additivityError(explanation)}`);
    });
  }

  it('rejects a baseline of the wrong width or with no rows, naming the baseline', () => {
    const { model } = fixture('gbtree');
    const isBaselineError = (error: unknown) => error instanceof InputError && error.field === 'baseline';
    assert.throws(() => baselineShap(model, test.features, createMatrix(1, 13)), isBaselineError);
    assert.throws(() => baselineShap(model, test.features, createMatrix(0, 14)), isBaselineError);
  });
});
