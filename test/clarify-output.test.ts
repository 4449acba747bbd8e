import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAdultFile } from '../domain/dataset.js';
import { matrixFromRows } from '../domain/matrix.js';
import { FEATURE_NAMES } from '../domain/schema.js';
import type { AggMethod } from '../domain/shap/clarify-config.js';
import { mergeChunks, summarizeChunk, type ChunkSummary } from '../domain/shap/clarify-output.js';
import { ExactSum } from '../domain/shap/exact-sum.js';
import { explainRows, planChunks, sliceRows } from '../domain/shap/explain-rows.js';
import { MEDIAN_PASSES, StreamingMedians } from '../domain/shap/streaming-median.js';
import { parseXGBoostModel } from '../domain/xgboost-model.js';

const root = new URL('../', import.meta.url).pathname;
const model = parseXGBoostModel(readFileSync(join(root, 'test/fixtures/tiny-model.json'), 'utf8'));
const test = loadAdultFile('test');
const rows = sliceRows(test.features, { firstRow: 0, rows: 1000 });
/** A baseline every feature of every row differs from, so that Kernel SHAP samples its coalitions. */
const means = [38.77, 2.2, 189435.68, 10.07, 10.07, 2.6, 5.97, 1.45, 3.68, 0.67, 1081.91, 87.9, 40.39, 36.42];
const baseline = matrixFromRows([means], 14);

/** Explains `rows` in chunks of `size` and merges them, summaries in reverse order: out.csv and analysis.json. */
async function explainInChunks(size: number, aggMethod: AggMethod): Promise<{ local: string; analysis: string }> {
  const settings = { method: 'kernel' as const, numSamples: 300, useLogit: true, seed: 5 };
  const bodies: string[] = [];
  const summaries: ChunkSummary[] = [];
  for (const chunk of planChunks(rows.rows, size)) {
    const { summary, body } = summarizeChunk(
      explainRows(model, sliceRows(rows, chunk), baseline, settings, chunk.firstRow),
      chunk.firstRow,
    );
    bodies.unshift(body);
    summaries.unshift(summary);
  }
  let local = '';
  const analysis = await mergeChunks(
    summaries,
    {
      // Each body arrives in pieces that cut lines in two.
      readBody: async function* (index) {
        for (let at = 0; at < bodies[index]!.length; at += 1000) yield bodies[index]!.slice(at, at + 1000);
      },
      write: async (text) => void (local += text),
    },
    { featureNames: FEATURE_NAMES, aggMethod, saveLocalShapValues: true, run: { method: 'kernel' } },
  );
  return { local, analysis };
}

describe('exact sums and streaming medians', () => {
  it('sum to the correctly rounded exact sum whatever the order and the split', () => {
    const values = Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
    const whole = new ExactSum();
    values.forEach((value) => whole.add(value));
    const reversed = new ExactSum();
    [...values].reverse().forEach((value) => reversed.add(value));
    const merged = new ExactSum();
    for (let start = 0; start < values.length; start += 777) {
      const part = new ExactSum();
      values.slice(start, start + 777).forEach((value) => part.add(value));
      merged.merge(new ExactSum(JSON.parse(JSON.stringify(part)) as number[]));
    }
    assert.equal(reversed.value(), whole.value());
    assert.equal(merged.value(), whole.value());
    const tenths = new ExactSum();
    for (let i = 0; i < 10; i++) tenths.add(0.1);
    assert.equal(tenths.value(), 1);
    const cancelling = new ExactSum();
    [1e100, 1, -1e100].forEach((value) => cancelling.add(value));
    assert.equal(cancelling.value(), 1);
  });

  it('select the exact median of each column in a fixed number of passes', () => {
    for (const count of [1, 2, 7, 1000, 1001]) {
      const columns = [
        Array.from({ length: count }, (_, i) => Math.sin(i * 12.9898) * 43758.5453),
        Array.from({ length: count }, (_, i) => (i % 5) - 2),
        Array.from({ length: count }, (_, i) => (i % 2 === 0 ? -0 : 1e-300 * i)),
        // Doubles whose sum overflows: the middle one of an odd count must be taken as it is.
        Array.from({ length: count }, (_, i) => 1.7e308 - i * 1e300),
      ];
      const medians = new StreamingMedians(columns.length, count);
      for (let pass = 0; pass < MEDIAN_PASSES; pass++) {
        columns.forEach((column, c) => column.forEach((value) => medians.add(c, value)));
        medians.endPass();
      }
      const expected = columns.map((column) => {
        const sorted = [...column].sort((a, b) => a - b);
        return count % 2 === 1 ? sorted[count >> 1]! : (sorted[count / 2 - 1]! + sorted[count / 2]!) / 2;
      });
      assert.deepEqual(Array.from(medians.medians()), expected, `${count} values`);
    }
  });
});

describe('Clarify output in chunks', () => {
  for (const aggMethod of ['mean_abs', 'median', 'mean_sq'] as const) {
    it(`merges chunks byte for byte into what one chunk gives (${aggMethod})`, async () => {
      const whole = await explainInChunks(rows.rows, aggMethod);
      const chunked = await explainInChunks(137, aggMethod);
      assert.equal(chunked.local, whole.local);
      assert.equal(chunked.analysis, whole.analysis);
      assert.equal(whole.local.split('\n')[0], FEATURE_NAMES.join(','));
      assert.equal(whole.local.trimEnd().split('\n').length, rows.rows + 1);
    });
  }

  it('aggregates each feature over the rows as Clarify defines mean_abs, median and mean_sq', async () => {
    const { local } = await explainInChunks(rows.rows, 'mean_abs');
    const values = local
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').map(Number));
    const column = (c: number) => values.map((line) => line[c]!);
    const global = async (aggMethod: AggMethod) => {
      const { analysis } = await explainInChunks(250, aggMethod);
      const parsed = JSON.parse(analysis) as {
        explanations: { kernel_shap: { label0: { global_shap_values: Record<string, number> } } };
      };
      return parsed.explanations.kernel_shap.label0.global_shap_values;
    };
    const [meanAbs, median, meanSq] = await Promise.all([global('mean_abs'), global('median'), global('mean_sq')]);
    const age = column(0);
    const sorted = [...age].sort((a, b) => a - b);
    assert.ok(Math.abs(meanAbs.age! - age.reduce((sum, v) => sum + Math.abs(v), 0) / age.length) < 1e-12);
    assert.ok(Math.abs(meanSq.age! - age.reduce((sum, v) => sum + v * v, 0) / age.length) < 1e-12);
    assert.equal(median.age, (sorted[499]! + sorted[500]!) / 2);
  });
});
