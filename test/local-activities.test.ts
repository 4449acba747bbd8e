import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExplanationKeys, ReviewActivities } from '../activities/interfaces.js';
import { createLocalActivities } from '../activities/local/index.js';
import { plotPng } from '../activities/local/plots.js';
import { transformCsv } from '../domain/batch-transform.js';
import { formatCsv } from '../domain/csv.js';
import { loadSplit, streamBatch } from '../domain/dataset.js';
import { describeRow } from '../domain/schema.js';
import { computeBaseline, featureKinds } from '../domain/shap/baseline.js';
import { parseXGBoostModel } from '../domain/xgboost-model.js';
import { exists, getText } from '../lib/object-store.js';
import type { ExplanationPolicy } from '../workflows/review-types.js';
import {
  activityEnvironment,
  assertFails,
  LocalBackend,
  negativesOnly,
  runActivity,
  treeExplanation,
} from './helpers/local-backend.js';

let backend: LocalBackend;
let activities: ReviewActivities;

before(async () => {
  backend = await LocalBackend.create();
  activities = backend.activities;
});

after(async () => {
  await backend?.remove();
});

describe('batches of the incoming stream', () => {
  it('stores the same rows for the same index, with ids and true labels, and ends with null', async () => {
    const first = await runActivity(activities.prepareBatch, { pipelineId: 'p-batches', batchIndex: 3, batchSize: 25 });
    const again = await runActivity(activities.prepareBatch, { pipelineId: 'p-batches', batchIndex: 3, batchSize: 25 });
    assert.deepEqual(again, first);
    assert.equal(first?.batchId, 'stream-0003');
    assert.equal(first?.inputKey, 'pipelines/p-batches/batches/stream-0003/input.csv');

    const expected = streamBatch(3, 25)!;
    assert.equal(await getText(backend.store, first!.inputKey), formatCsv(expected.features));
    const rows = (await getText(backend.store, first!.rowsKey)).trim().split('\n');
    assert.deepEqual(
      rows.slice(1),
      expected.rowIds.map((rowId, r) => `${rowId},${expected.labels[r]}`),
    );

    const streamRows = loadSplit('stream').rowIds.length;
    const past = await runActivity(activities.prepareBatch, {
      pipelineId: 'p-batches',
      batchIndex: streamRows,
      batchSize: 1,
    });
    assert.equal(past, null);
  });

  it('refuses to store other rows under a batch already taken with another size', async () => {
    await runActivity(activities.prepareBatch, { pipelineId: 'p-sizes', batchIndex: 1, batchSize: 10 });
    await assertFails(
      runActivity(activities.prepareBatch, { pipelineId: 'p-sizes', batchIndex: 1, batchSize: 11 }),
      'ObjectConflict',
      /another batch size/,
    );
  });

  it('scores a batch as transformCsv does, one probability per row', async () => {
    const batch = (await runActivity(activities.prepareBatch, {
      pipelineId: 'p-score',
      batchIndex: 0,
      batchSize: 40,
    }))!;
    const { predictionsKey } = await runActivity(activities.transformBatch, { batch, model: backend.model });
    const input = await getText(backend.store, batch.inputKey);
    const expected = transformCsv(parseXGBoostModel(backend.modelJson), input, 'input.csv');
    assert.equal(await getText(backend.store, predictionsKey), expected);
    assert.match(predictionsKey, /predictions\/v0001\/input\.csv\.out$/);
  });

  it('rejects an unknown model version without retrying', async () => {
    await assertFails(runActivity(activities.resolveModel, { modelVersion: 'v0042' }), 'InvalidActivityInput', /v0042/);
  });
});

describe('explanations in chunks', () => {
  const kernel: ExplanationPolicy = {
    analysisConfig: { methods: { shap: { method: 'kernel', num_samples: 40, seed: 3 } } },
    chunkSize: 10,
  };

  for (const [method, explanation] of [
    ['tree', treeExplanation],
    ['kernel, with a baseline computed over the batch', kernel],
  ] as const) {
    it(`merges 3 chunks into the bytes one chunk gives (${method})`, async () => {
      const batch = (await runActivity(activities.prepareBatch, {
        pipelineId: 'p-explain',
        batchIndex: 0,
        batchSize: 30,
      }))!;
      const read = async (keys: ExplanationKeys) => ({
        out: await getText(backend.store, keys.outCsvKey),
        analysis: await getText(backend.store, keys.analysisKey),
        expectedValue: keys.expectedValue,
      });
      const whole = await read(await backend.explainInChunks(batch, explanation, [0]));
      const chunked = await read(await backend.explainInChunks(batch, explanation, [0, 7, 19]));

      assert.deepEqual(chunked, whole);
      assert.equal(whole.out.trim().split('\n').length, 31);
      assert.equal(JSON.parse(whole.analysis).review_cycle.units, 'log-odds');
    });
  }

  it('explains every chunk against the baseline computed over the whole batch', async () => {
    const batch = (await runActivity(activities.prepareBatch, {
      pipelineId: 'p-baseline',
      batchIndex: 2,
      batchSize: 30,
    }))!;
    const keys = await backend.explainInChunks(batch, kernel, [0, 7, 19]);
    const baseline = computeBaseline(streamBatch(2, 30)!.features, featureKinds(14));
    const analysis = JSON.parse(await getText(backend.store, keys.analysisKey));
    assert.deepEqual(analysis.review_cycle.baseline, [Array.from(baseline.data, (v) => (Number.isNaN(v) ? null : v))]);
    assert.equal(analysis.review_cycle.baseline_computed, true);
  });

  it('reads only the rows of its chunk, and names a bad row by its row in the batch', async () => {
    const lines = formatCsv(streamBatch(0, 30)!.features).split('\n');
    lines[24] = lines[24]!.replace(/^\d+/, 'forty');
    const inputKey = 'custom/batches/bad-row/input.csv';
    await backend.store.put(inputKey, lines.join('\n'));
    const batch = { batchId: 'bad-row', batchIndex: 0, rows: 30, inputKey, rowsKey: 'custom/batches/bad-row/rows.csv' };
    const explain = (start: number, end: number, rows = batch.rows) =>
      runActivity(activities.explainChunk, {
        batch: { ...batch, rows },
        model: backend.model,
        explanation: treeExplanation,
        start,
        end,
      });

    assert.match((await explain(0, 20)).partialKey, /chunks\/000000-000020\.json$/);
    await assertFails(
      explain(20, 30),
      'InvalidActivityInput',
      /input\.csv, row 25, field age: 'forty' is not a number/,
    );
    await assertFails(explain(25, 31), 'InvalidActivityInput', /rows 25 to 30 are out of range: there are 30 rows/);
    await assertFails(explain(30, 40, 40), 'InvalidActivityInput', /holds fewer than the batch's 40 rows/);
  });

  it('heartbeats as the batch baseline is computed, once per batch, and as the rows of a chunk are explained', async () => {
    const batch = (await runActivity(activities.prepareBatch, {
      pipelineId: 'p-heartbeat',
      batchIndex: 0,
      batchSize: 30,
    }))!;
    const heartbeats = async (start: number, end: number) => {
      const env = activityEnvironment();
      const beats: unknown[] = [];
      env.on('heartbeat', (details: unknown) => beats.push(details));
      const input = { batch, model: backend.model, explanation: kernel, start, end };
      await runActivity(activities.explainChunk, input, env);
      return beats;
    };

    // One pass counts the values, four more select the medians.
    assert.deepEqual(await heartbeats(5, 30), [
      ...[30, 60, 90, 120, 150].map((baselineRowsRead) => ({ baselineRowsRead })),
      ...[10, 20, 25].map((rowsExplained) => ({ rowsExplained, rows: 25 })),
    ]);
    assert.deepEqual(await heartbeats(0, 5), [{ rowsExplained: 5, rows: 5 }]);
  });
});

describe('selection of the records a reviewer sees', () => {
  it('picks exactly the negative outcomes, with decoded features and log-odds SHAP values', async () => {
    const { batch, predictionsKey, explanations } = await backend.scoredBatch('p-select', 0, 60);
    const probabilities = await backend.probabilities(predictionsKey);
    const records = await runActivity(activities.selectRecords, {
      batch,
      predictionsKey,
      explanations,
      threshold: 0.5,
      selection: negativesOnly,
    });

    const negatives = probabilities.flatMap((p, r) => (p < 0.5 ? [r] : []));
    assert.ok(negatives.length > 0 && negatives.length < 60);
    assert.deepEqual(
      records.map((record) => record.rowNumber),
      negatives,
    );
    const features = streamBatch(0, 60)!.features;
    for (const record of records) {
      assert.equal(record.reason, 'negative');
      assert.equal(record.predictedLabel, 0);
      assert.equal(record.predictedOutcome, '<=50K');
      const row = features.data.subarray(record.rowNumber * 14, (record.rowNumber + 1) * 14);
      assert.deepEqual(
        record.features.map(({ feature, value }) => ({ feature, value })),
        describeRow(row),
      );
      // The explanation adds up to the model's own log-odds.
      assert.ok(Math.abs(record.margin - Math.log(record.probability / (1 - record.probability))) < 1e-5);
    }
  });

  it('adds a band around the threshold and a seeded audit sample of the positives', async () => {
    const { batch, predictionsKey, explanations } = await backend.scoredBatch('p-select', 0, 60);
    const probabilities = await backend.probabilities(predictionsKey);
    const select = (seed: number) =>
      runActivity(activities.selectRecords, {
        batch,
        predictionsKey,
        explanations,
        threshold: 0.5,
        selection: { negatives: true, band: 0.15, auditRate: 0.5, seed },
      });
    const records = await select(7);

    assert.deepEqual(await select(7), records);
    const band = probabilities.flatMap((p, r) => (p >= 0.5 && p - 0.5 <= 0.15 ? [r] : []));
    const outside = probabilities.filter((p) => p - 0.5 > 0.15).length;
    const reasons = (reason: string) => records.filter((r) => r.reason === reason);
    assert.deepEqual(
      reasons('band').map((r) => r.rowNumber),
      band,
    );
    assert.equal(reasons('audit').length, Math.round(0.5 * outside));
    assert.ok(reasons('audit').every((record) => record.probability - 0.5 > 0.15));
    assert.equal(reasons('negative').length, probabilities.filter((p) => p < 0.5).length);
  });
});

describe('plots', () => {
  it('draws an SVG per record under the batch, with a description, and its PNG when first asked for', async () => {
    const { batch, predictionsKey, explanations } = await backend.scoredBatch('p-plots', 0, 12);
    const selected = await runActivity(activities.selectRecords, {
      batch,
      predictionsKey,
      explanations,
      threshold: 0.5,
      selection: negativesOnly,
    });
    const records = await runActivity(activities.renderPlots, { batch, records: selected.slice(0, 2), topK: 3 });

    assert.equal(records.length, Math.min(2, selected.length));
    for (const record of records) {
      assert.ok(record.plotSvgKey?.startsWith('pipelines/p-plots/batches/stream-0000/plots/'));
      const svg = await getText(backend.store, record.plotSvgKey!);
      assert.match(svg, /^<svg[^>]*><title>What drove the prediction for record /);
      assert.match(record.plotDescription ?? '', /^Predicted probability/);

      const keys = { plotPngKey: record.plotPngKey!, plotSvgKey: record.plotSvgKey! };
      assert.equal(await exists(backend.store, keys.plotPngKey), false, 'no PNG before it is asked for');
      const png = await plotPng(backend.store, keys);
      assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      assert.deepEqual(await backend.store.get(keys.plotPngKey), png, 'kept for the next time');
    }
  });
});

describe('activities that talk to workflows', () => {
  it('fail without retry when the backend was made without a Temporal client', async () => {
    const { store, registry } = backend;
    const offline = createLocalActivities({ store, registry });
    const batch = (await runActivity(offline.prepareBatch, { pipelineId: 'p-offline', batchIndex: 0, batchSize: 3 }))!;
    await assertFails(
      runActivity(offline.answerAsOracle, { taskWorkflowId: 'task', batch, records: [] }),
      'MissingTemporalClient',
      /needs a Temporal client/,
    );
  });
});
