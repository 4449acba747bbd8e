import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadAdultFile } from '../domain/dataset.js';
import { InputError } from '../domain/errors.js';
import { parseXGBoostModel, predictProbabilities } from '../domain/xgboost-model.js';
import { referencePredict, scratchDir, trainFixture, writeDataset } from './helpers/reference.js';

const runCli = promisify(execFile);
const cli = new URL('../bin/review-cycle.js', import.meta.url).pathname;

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('scoring matches the xgboost library on every row of adult.test', () => {
  let dir: string;
  let testCsv: string;
  const test = loadAdultFile('test');

  before(async () => {
    dir = await scratchDir('scoring');
    const train = await writeDataset(dir, loadAdultFile('data'), 'adult-data');
    testCsv = (await writeDataset(dir, test, 'adult-test')).x;
    await Promise.all(
      (['gbtree', 'dart', 'categorical'] as const).map((kind) =>
        trainFixture(kind, train.xy, join(dir, `${kind}.json`)),
      ),
    );
  });

  for (const kind of ['gbtree', 'dart', 'categorical'] as const) {
    it(`${kind} model, missing values included`, async () => {
      const path = join(dir, `${kind}.json`);
      const model = parseXGBoostModel(await readFile(path, 'utf8'), path);
      if (kind === 'categorical')
        assert.ok(model.trees.some((tree) => tree.categories.some((set) => set !== undefined)));
      const ours = predictProbabilities(model, test.features);
      const theirs = await referencePredict(path, testCsv);
      assert.equal(ours.length, 16281);
      assert.ok(maxAbsDifference(ours, theirs) < 1e-6, `max difference ${maxAbsDifference(ours, theirs)}`);
    });
  }

  it('transform writes <input name>.out with one probability per line, as SageMaker does', async () => {
    const out = join(dir, 'transform-out');
    await runCli('node', [cli, 'transform', '--model', join(dir, 'gbtree.json'), '--input', testCsv, '--out', out]);
    const lines = (await readFile(join(out, 'adult-test.csv.out'), 'utf8')).trimEnd().split('\n').map(Number);
    const theirs = await referencePredict(join(dir, 'gbtree.json'), testCsv);
    assert.ok(maxAbsDifference(lines, theirs) < 1e-6);
  });
});

describe('scoring rejects bad input with the file, row and field named', () => {
  async function transformFails(args: { model?: string; input?: string }, message: RegExp): Promise<string> {
    const dir = await scratchDir('bad-transform');
    const out = join(dir, 'out');
    const model = args.model ?? join(dir, 'model.json');
    if (!args.model) await writeFile(model, await readFile(new URL('./fixtures/tiny-model.json', import.meta.url)));
    const input = args.input ?? join(dir, 'input.csv');
    const result = runCli('node', [cli, 'transform', '--model', model, '--input', input, '--out', out]);
    await assert.rejects(result, (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, message);
      assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace');
      return true;
    });
    await assert.rejects(readdir(out), 'no partial output');
    return dir;
  }

  async function csvFile(text: string): Promise<string> {
    const path = join(await scratchDir('csv'), 'batch.csv');
    await writeFile(path, text);
    return path;
  }

  it('a row with the wrong number of fields', async () => {
    const row = '39,6,77516,9,13,4,0,1,4,1,2174,0,40,38';
    await transformFails({ input: await csvFile(`${row}\n1,2,3\n`) }, /batch\.csv, row 2: expected 14 fields, found 3/);
  });

  it('a value that is not a number', async () => {
    const input = await csvFile('39,State-gov,77516,9,13,4,0,1,4,1,2174,0,40,38\n');
    await transformFails({ input }, /batch\.csv, row 1, field workclass: 'State-gov' is not a number/);
  });

  it('an empty file', async () => {
    await transformFails({ input: await csvFile('') }, /batch\.csv: the file is empty/);
  });

  it('a model that is not XGBoost JSON', async () => {
    const model = await csvFile('{"hello": 1}');
    await transformFails({ model, input: await csvFile('1\n') }, /'learner' is missing/);
  });

  it('a model with another objective', () => {
    const text = JSON.stringify({ learner: { objective: { name: 'reg:squarederror' } } });
    assert.throws(
      () => parseXGBoostModel(text, 'regression.json'),
      (error: InputError) => error instanceof InputError && /objective is reg:squarederror/.test(error.message),
    );
  });
});
