/**
 * Stand-ins for every activity of a review cycle, for recording workflow histories that exercise the orchestration
 * alone: made-up object-store keys, a stream of a fixed number of batches, and an oracle that answers each task
 * through the same update a person uses.
 */
import type { Client } from '@temporalio/client';
import type { ReviewActivities } from '../../activities/interfaces.js';
import { requestBatchesSignal, submitVerdictsUpdate, workflowIds } from '../../workflows/definitions.js';
import { initialReviewCycleState } from '../../workflows/pipeline-config.js';
import type { ReviewCycleWorkflow } from '../../workflows/review-cycle.js';
import type { RecordVerdict } from '../../workflows/review-types.js';
import { sampleRecords, type ReviewRecorder } from './review-recorder.js';

export interface StubStream {
  /** How many batches the stream holds before `prepareBatch` says it has ended. */
  batches: number;
  rowsPerBatch: number;
  /** How many records of each batch are selected for review. */
  selectedPerBatch: number;
}

/** Where the stubs send what they send: the test's client, its task queue, and the recorder of verdicts. */
export interface StubTarget {
  client: Client;
  taskQueue: string;
  recorder: ReviewRecorder;
}

export function stubCycleActivities({ client, taskQueue, recorder }: StubTarget, stream: StubStream): ReviewActivities {
  return {
    ...recorder.activities(),
    resolveModel: async ({ modelVersion }) => {
      const version = modelVersion === 'current' ? 'v0001' : modelVersion;
      return { version, modelKey: `models/${version}/model.json` };
    },
    prepareBatch: async ({ pipelineId, batchIndex }) => {
      if (batchIndex >= stream.batches) return null;
      const batchId = `stream-${String(batchIndex).padStart(4, '0')}`;
      const prefix = `pipelines/${pipelineId}/batches/${batchId}`;
      return {
        batchId,
        batchIndex,
        rows: stream.rowsPerBatch,
        inputKey: `${prefix}/input.csv`,
        rowsKey: `${prefix}/rows.csv`,
      };
    },
    transformBatch: async ({ batch }) => ({ predictionsKey: `${batch.inputKey}.out` }),
    explainChunk: async ({ batch, start, end }) => ({ partialKey: `${batch.inputKey}.shap/${start}-${end}.csv` }),
    mergeExplanations: async ({ batch }) => ({
      outCsvKey: `${batch.inputKey}.shap/explanations_shap/out.csv`,
      analysisKey: `${batch.inputKey}.shap/analysis.json`,
      expectedValue: -1.2,
    }),
    selectRecords: async ({ batch }) => sampleRecords(batch.batchId, stream.selectedPerBatch, { plots: false }),
    renderPlots: async ({ batch, records }) =>
      records.map((record) => ({ ...record, plotSvgKey: `plots/${batch.batchId}/${record.rowId}.svg` })),
    answerAsOracle: async ({ taskWorkflowId, records }) => {
      const verdicts: RecordVerdict[] = records.map((record, index) =>
        index % 2 === 0
          ? { rowId: record.rowId, verdict: 'agree' }
          : { rowId: record.rowId, verdict: 'disagree', reason: 'The true label is >50K' },
      );
      await client.workflow.getHandle(taskWorkflowId).executeUpdate(submitVerdictsUpdate, {
        args: [{ reviewerId: 'oracle', verdicts }],
        updateId: `oracle-${taskWorkflowId}`,
      });
    },
    writeGroundTruth: async ({ pipelineId, batch, decisions }) => {
      const version = `gt-${String(batch.batchIndex + 1).padStart(4, '0')}`;
      return { version, key: `pipelines/${pipelineId}/ground-truth/${version}.csv`, rows: decisions.length };
    },
    evaluateRetrainPolicy: async ({ groundTruthVersion }) => ({
      retrain: true,
      reason: `Half of the records in ${groundTruthVersion} were overturned`,
    }),
    requestBatches: async ({ pipelineId, config, count, by }) => {
      const workflowId = workflowIds.pipeline(pipelineId);
      await client.workflow.signalWithStart<typeof ReviewCycleWorkflow, [{ count: number; by: string }]>(
        'ReviewCycleWorkflow',
        {
          workflowId,
          taskQueue,
          args: [{ pipelineId, config, pace: 'on-request', state: initialReviewCycleState() }],
          signal: requestBatchesSignal,
          signalArgs: [{ count, by }],
        },
      );
      return { workflowId };
    },
  };
}
