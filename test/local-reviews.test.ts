import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReviewActivities, TaskContext } from '../activities/interfaces.js';
import { readGroundTruth, retrainDecision } from '../activities/local/ground-truth.js';
import { readNotifications } from '../activities/local/notifications.js';
import { decisionsFromOutput, type ReviewOutput } from '../activities/local/review-output.js';
import { getJson } from '../lib/object-store.js';
import type { RecordDecision, ReviewRecord } from '../workflows/review-types.js';
import { activityEnvironment, assertFails, LocalBackend, negativesOnly, runActivity } from './helpers/local-backend.js';

let backend: LocalBackend;
let activities: ReviewActivities;

before(async () => {
  backend = await LocalBackend.create();
  activities = backend.activities;
});

after(async () => {
  await backend?.remove();
});

describe('verdicts in the shape of A2I output.json', () => {
  const task: TaskContext = {
    taskId: 'task-1',
    pipelineId: 'p-verdicts',
    batchId: 'stream-0000',
    modelVersion: 'v0001',
  };
  let record: ReviewRecord;
  before(async () => {
    const { batch, predictionsKey, explanations } = await backend.scoredBatch('p-verdicts', 0, 20);
    const selection = negativesOnly;
    [record] = await runActivity(activities.selectRecords, {
      batch,
      predictionsKey,
      explanations,
      threshold: 0.5,
      selection,
    });
  });
  const disagree: RecordDecision = {
    status: 'DISAGREED',
    reason: 'Capital gains say otherwise',
    reviewerId: 'ana',
    decidedAt: '2026-03-01T10:00:00.000Z',
    rowId: '',
  };

  it('stores one object per decision and does nothing more when the same decision comes again', async () => {
    const decision = { ...disagree, rowId: record.rowId };
    const first = await runActivity(activities.recordVerdict, { task, record, decision });
    const again = await runActivity(activities.recordVerdict, { task, record, decision });

    assert.equal(again.outputKey, first.outputKey);
    assert.equal(
      first.outputKey,
      `pipelines/p-verdicts/batches/stream-0000/reviews/task-1/${record.rowId}/output.json`,
    );
    assert.equal((await backend.store.list('pipelines/p-verdicts/batches/stream-0000/reviews/')).length, 1);
    const output = await getJson<ReviewOutput>(backend.store, first.outputKey);
    assert.deepEqual(output.humanAnswers, [
      {
        answerContent: { verdicts: [{ rowId: record.rowId, verdict: 'disagree', reason: decision.reason }] },
        submissionTime: decision.decidedAt,
        workerId: 'ana',
      },
    ]);
    assert.deepEqual(output.inputContent.records, [record]);

    await assertFails(
      runActivity(activities.recordVerdict, { task, record, decision: { ...decision, status: 'AGREED' } }),
      'ObjectConflict',
      /already decided DISAGREED by ana/,
    );
  });

  it('reads an output.json back into the decision it was written from, expired ones included', async () => {
    const expired: RecordDecision = {
      rowId: record.rowId,
      status: 'EXPIRED',
      reason: 'No verdict before the task expired',
      decidedAt: '2026-03-08T10:00:00.000Z',
    };
    const expiredTask = { ...task, taskId: 'task-2' };
    for (const [context, decision] of [
      [task, { ...disagree, rowId: record.rowId }],
      [expiredTask, expired],
    ] as const) {
      const { outputKey } = await runActivity(activities.recordVerdict, { task: context, record, decision });
      const output = await getJson<ReviewOutput>(backend.store, outputKey);
      assert.deepEqual(decisionsFromOutput(output, outputKey), [{ ...decision, outputKey }]);
    }
  });

  it('reads an output.json as A2I writes it, with several records and reviewers, through the same reader', () => {
    const second = { ...record, rowId: `${record.rowId}-b` };
    const output: ReviewOutput = {
      flowDefinitionArn: 'arn:aws:sagemaker:eu-west-1:111122223333:flow-definition/review',
      humanLoopName: 'loop-1',
      inputContent: { ...task, records: [record, second] },
      humanAnswers: [
        {
          acceptanceTime: '2026-03-02T09:00:00.000Z',
          answerContent: { verdicts: [{ rowId: second.rowId, verdict: 'agree' }] },
          submissionTime: '2026-03-02T09:30:00.000Z',
          timeSpentInSeconds: 1800,
          workerId: 'late',
          workerMetadata: { identityData: { identityProviderType: 'Cognito' } },
        },
        {
          answerContent: { verdicts: [{ rowId: record.rowId, verdict: 'agree' }] },
          submissionTime: '2026-03-02T09:10:00.000Z',
          workerId: 'early',
        },
      ],
    };
    assert.deepEqual(decisionsFromOutput(output, 'out.json'), [
      {
        rowId: record.rowId,
        status: 'AGREED',
        reviewerId: 'early',
        decidedAt: '2026-03-02T09:10:00.000Z',
        outputKey: 'out.json',
      },
      {
        rowId: second.rowId,
        status: 'AGREED',
        reviewerId: 'late',
        decidedAt: '2026-03-02T09:30:00.000Z',
        outputKey: 'out.json',
      },
    ]);
  });
});

describe('notifications', () => {
  it('logs each notification and keeps it once in the store, however often it is retried', async () => {
    const env = activityEnvironment({ activityId: 'notify-7' });
    const notify = { taskId: 'task-n', kind: 'reminder' as const, groups: ['analysts'], assignee: 'ana' };
    await runActivity(activities.notifyReviewers, notify, env);
    await runActivity(activities.notifyReviewers, notify, env);

    const notifications = await readNotifications(backend.store, 'task-n');
    assert.equal(notifications.length, 1);
    assert.equal(notifications[0]!.kind, 'reminder');
    assert.match(notifications[0]!.message, /task-n \(assigned to ana\) still waits/);
  });
});

describe('ground truth', () => {
  /** Selects a batch's negatives and decides them in turn: agree, disagree, expire. */
  async function reviewedBatch(pipelineId: string, index: number) {
    const { batch, predictionsKey, explanations } = await backend.scoredBatch(pipelineId, index, 30);
    const selection = negativesOnly;
    const records = await runActivity(activities.selectRecords, {
      batch,
      predictionsKey,
      explanations,
      threshold: 0.5,
      selection,
    });
    const decisions = records.map((record, r): RecordDecision => {
      const decidedAt = `2026-04-0${index + 1}T12:00:0${r % 10}.000Z`;
      if (r % 3 === 0) return { rowId: record.rowId, status: 'AGREED', reviewerId: 'ana', decidedAt };
      if (r % 3 === 1) {
        return { rowId: record.rowId, status: 'DISAGREED', reviewerId: 'bo', reason: 'Says "no", really', decidedAt };
      }
      return { rowId: record.rowId, status: 'EXPIRED', reason: 'No verdict in 7 days', decidedAt };
    });
    return { batch, records, decisions };
  }

  it('appends each batch as a new version whose rows are the reviewed records, and keeps a batch once', async () => {
    const pipelineId = 'p-truth';
    const first = await reviewedBatch(pipelineId, 0);
    const second = await reviewedBatch(pipelineId, 1);
    const write = (reviewed: typeof first) =>
      runActivity(activities.writeGroundTruth, { pipelineId, modelVersion: 'v0001', ...reviewed });

    const v1 = await write(first);
    const v2 = await write(second);
    assert.deepEqual([v1.version, v2.version], ['v0001', 'v0002']);
    assert.equal(v1.rows, first.records.length);

    const objects = (await backend.store.list(`pipelines/${pipelineId}/ground-truth/`)).map((info) => info.key);
    assert.deepEqual(await write(first), v1);
    assert.deepEqual(
      (await backend.store.list(`pipelines/${pipelineId}/ground-truth/`)).map((info) => info.key),
      objects,
    );

    const { rows, manifest } = await readGroundTruth(backend.store, v2.key);
    const reviewed = [first, second].flatMap(({ records, decisions }) =>
      records.map((record, r) => ({ record, decision: decisions[r]! })),
    );
    assert.equal(manifest.parts.length, 2);
    assert.deepEqual(
      rows.map((row) => [row.row_id, row.probability, row.status, row.human_label, row.reason, row.reviewer_id]),
      reviewed.map(({ record, decision }) => [
        record.rowId,
        String(record.probability),
        decision.status,
        { AGREED: '0', DISAGREED: '1' }[decision.status as string] ?? '',
        decision.reason ?? '',
        decision.reviewerId ?? '',
      ]),
    );
    assert.deepEqual(
      rows.map((row) => [row.age, row['marital-status'], row.model_version]),
      reviewed.map(({ record }) => [record.features[0]!.value, record.features[5]!.value, 'v0001']),
    );
    assert.deepEqual((await readGroundTruth(backend.store, v1.key)).rows, rows.slice(0, first.records.length));
  });

  it('calls for a new model once enough reviewed records were overturned', async () => {
    const pipelineId = 'p-retrain';
    const { version } = await runActivity(activities.writeGroundTruth, {
      pipelineId,
      modelVersion: 'v0001',
      ...(await reviewedBatch(pipelineId, 0)),
    });
    const { manifest } = await readGroundTruth(
      backend.store,
      `pipelines/${pipelineId}/ground-truth/${version}/manifest.json`,
    );
    const rate = manifest.overturned / manifest.labels;
    const evaluate = (policy: { kind: 'never' | 'overturn-rate'; minOverturnRate: number; minLabels: number }) =>
      runActivity(activities.evaluateRetrainPolicy, { pipelineId, groundTruthVersion: version, policy });

    assert.ok(manifest.labels > 0 && manifest.overturned > 0);
    assert.equal(
      (await evaluate({ kind: 'overturn-rate', minOverturnRate: rate, minLabels: manifest.labels })).retrain,
      true,
    );
    assert.equal(
      (await evaluate({ kind: 'overturn-rate', minOverturnRate: rate + 0.01, minLabels: 1 })).retrain,
      false,
    );
    assert.equal(
      (await evaluate({ kind: 'overturn-rate', minOverturnRate: 0, minLabels: manifest.labels + 1 })).retrain,
      false,
    );
    assert.equal((await evaluate({ kind: 'never', minOverturnRate: 0, minLabels: 0 })).retrain, false);

    const policy = { kind: 'overturn-rate' as const, minOverturnRate: 0.2, minLabels: 10 };
    assert.deepEqual(retrainDecision({ version: 'v0009', labels: 10, overturned: 2 }, policy), {
      retrain: true,
      reason:
        '2 of 10 reviewed records (20.0%) overturned in ground truth v0009, ' +
        'at least the 20.0% that calls for a new model',
    });
    assert.equal(retrainDecision({ version: 'v0009', labels: 9, overturned: 9 }, policy).retrain, false);
    assert.equal(retrainDecision({ version: 'v0009', labels: 100, overturned: 19 }, policy).retrain, false);
  });
});
