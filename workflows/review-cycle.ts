import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReviewActivities } from '../activities/interfaces.js';
import { CycleProgress } from './cycle-progress.js';
import { getCycleStatusQuery, requestBatchesSignal, taskProgressSignal } from './definitions.js';
import { validateReviewCycleInput } from './pipeline-config.js';
import { explainBatch, reviewRecords } from './review-cycle-steps.js';
import type {
  CycleStopReason,
  RecordDecision,
  RetrainRequest,
  ReviewCycleInput,
  ReviewCycleState,
  ReviewCycleSummary,
} from './review-types.js';

const { resolveModel, prepareBatch, selectRecords, renderPlots, evaluateRetrainPolicy } =
  proxyActivities<ReviewActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5 },
  });

const { transformBatch } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 5 },
});

// Ground truth is the product of the reviewers' days of work: keep trying while the store is down.
const { writeGroundTruth } = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '5 minutes' },
});

/** How many features each review plot shows by name; the rest share one bar. */
const plotTopFeatures = 3;

/**
 * A review pipeline, one batch of the incoming stream per run: score it, explain it, send the records that need a
 * human to review tasks, wait for every task to be decided or to expire, write the verdicts as a new ground-truth
 * version, ask the retrain policy, then continue as new with the next batch. Paced `on-request`, each batch waits for
 * a request (from the nightly schedule or a user).
 */
export async function ReviewCycleWorkflow(input: ReviewCycleInput): Promise<ReviewCycleSummary> {
  validateReviewCycleInput(input);
  const state: ReviewCycleState = { ...input.state, totals: { ...input.state.totals } };
  const progress = new CycleProgress(input.pipelineId, state);

  setHandler(getCycleStatusQuery, () => progress.status());
  setHandler(taskProgressSignal, ({ taskWorkflowId, pending }) => progress.taskProgress(taskWorkflowId, pending));
  setHandler(requestBatchesSignal, ({ count, by }) => {
    if (!Number.isSafeInteger(count) || count < 1) {
      log.warn('Batch request ignored: the count must be a whole number of at least 1', { count, by });
      return;
    }
    state.requestedBatches += count;
    log.info('Batches requested', { count, by, requestedBatches: state.requestedBatches });
  });

  const finish = async (stoppedBecause: CycleStopReason): Promise<ReviewCycleSummary> => {
    progress.enter('DONE', `Stopped: ${stoppedBecause}`);
    await condition(allHandlersFinished);
    return summarize(input.pipelineId, state, stoppedBecause);
  };

  if (input.maxBatches !== undefined && state.totals.batches >= input.maxBatches) return finish('max-batches');
  if (input.pace === 'on-request') {
    progress.enter('WAITING_FOR_REQUEST', 'Waiting for a request for the next batch');
    await condition(() => state.requestedBatches > 0 || workflowInfo().continueAsNewSuggested);
    if (state.requestedBatches === 0) return continueWith(input, state);
    state.requestedBatches -= 1;
  }

  const ranBatch = await runBatch(input, state, progress);
  if (!ranBatch) return finish('stream-ended');
  if (input.maxBatches !== undefined && state.totals.batches >= input.maxBatches) return finish('max-batches');
  return continueWith(input, state);
}

/** Runs batch `state.nextBatchIndex` through every step and adds it to the state; false when the stream has ended. */
async function runBatch(input: ReviewCycleInput, state: ReviewCycleState, progress: CycleProgress): Promise<boolean> {
  const { pipelineId, config } = input;

  progress.enter('SCORING', `Scoring batch ${state.nextBatchIndex}`);
  const model = await resolveModel.executeWithOptions({ summary: `Resolve model ${config.modelVersion}` }, [
    { modelVersion: config.modelVersion },
  ]);
  progress.usesModel(model.version);
  const batch = await prepareBatch.executeWithOptions(
    { summary: `Take batch ${state.nextBatchIndex} (${config.batchSize} rows) of the incoming stream` },
    [{ pipelineId, batchIndex: state.nextBatchIndex, batchSize: config.batchSize }],
  );
  if (batch === null) {
    log.info('The incoming stream has no more rows', { pipelineId, batchIndex: state.nextBatchIndex });
    return false;
  }
  progress.works(batch.batchId);
  const { predictionsKey } = await transformBatch.executeWithOptions(
    { summary: `Score ${batch.rows} rows of ${batch.batchId} with model ${model.version}` },
    [{ batch, model }],
  );

  progress.enter('EXPLAINING', `Explaining ${batch.rows} rows of ${batch.batchId}`);
  const explanations = await explainBatch(batch, model, config.explanation);

  progress.enter('SELECTING', `Selecting the records of ${batch.batchId} a reviewer must see`);
  const selected = await selectRecords.executeWithOptions(
    { summary: `Select records of ${batch.batchId} for review` },
    [{ batch, predictionsKey, explanations, threshold: config.threshold, selection: config.selection }],
  );
  const records =
    selected.length === 0
      ? []
      : await renderPlots.executeWithOptions({ summary: `Draw the waterfalls of ${selected.length} records` }, [
          { batch, records: selected, topK: plotTopFeatures },
        ]);

  progress.enter('AWAITING_REVIEW', `Waiting for verdicts on ${records.length} records of ${batch.batchId}`);
  const decisions = await reviewRecords(input, batch, model.version, records, progress);

  progress.enter('WRITING_GROUND_TRUTH', `Writing the verdicts on ${batch.batchId} to the ground truth`);
  // Verdicts that reviewers gave reach the ground truth even when the pipeline is being cancelled.
  const groundTruth = await CancellationScope.nonCancellable(() =>
    writeGroundTruth.executeWithOptions(
      { summary: `Append ${decisions.length} verdicts on ${batch.batchId} to the ground truth` },
      [{ pipelineId, batch, modelVersion: model.version, records, decisions }],
    ),
  );
  const retrain = await evaluateRetrainPolicy.executeWithOptions(
    { summary: `Ask the ${config.retrain.kind} retrain policy about ground truth ${groundTruth.version}` },
    [{ pipelineId, groundTruthVersion: groundTruth.version, policy: config.retrain }],
  );
  if (retrain.retrain) {
    requestRetrain(state, { batchId: batch.batchId, groundTruthVersion: groundTruth.version, reason: retrain.reason });
  }

  addBatch(state, batch.rows, records.length, decisions);
  state.groundTruthVersion = groundTruth.version;
  state.nextBatchIndex += 1;
  return true;
}

/**
 * The retrain hook: records the policy's call for a new model in the state, where it survives continue-as-new and
 * shows in the status, until a retraining step takes it up.
 */
function requestRetrain(state: ReviewCycleState, request: RetrainRequest): void {
  log.info('The retrain policy calls for a new model', { ...request });
  state.retrainRequest = request;
}

function addBatch(state: ReviewCycleState, rows: number, sentForReview: number, decisions: RecordDecision[]): void {
  const count = (...statuses: RecordDecision['status'][]) =>
    decisions.filter((d) => statuses.includes(d.status)).length;
  const { totals } = state;
  totals.batches += 1;
  totals.scored += rows;
  totals.sentForReview += sentForReview;
  totals.agreed += count('AGREED');
  totals.overturned += count('DISAGREED');
  totals.expired += count('EXPIRED', 'CANCELLED');
}

/**
 * Hands the state to a fresh run once every handler is done. Each run holds one batch, so its history stays small
 * whether or not the server suggests continuing as new; while it waits for a request it continues as new as soon
 * as the server suggests it, since each request adds an event.
 */
async function continueWith(input: ReviewCycleInput, state: ReviewCycleState): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<typeof ReviewCycleWorkflow>({ ...input, state });
}

function summarize(pipelineId: string, state: ReviewCycleState, stoppedBecause: CycleStopReason): ReviewCycleSummary {
  return {
    pipelineId,
    totals: { ...state.totals },
    nextBatchIndex: state.nextBatchIndex,
    ...(state.groundTruthVersion !== undefined && { groundTruthVersion: state.groundTruthVersion }),
    ...(state.retrainRequest !== undefined && { retrainRequest: state.retrainRequest }),
    stoppedBecause,
  };
}
