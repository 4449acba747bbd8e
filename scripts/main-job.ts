/**
 * The main job of `npm start`: a current model, trained with XGBoost when the registry has none, then the review
 * pipeline over the incoming stream with the current model, for a number of batches or until Ctrl-C.
 */
import type { Client } from '@temporalio/client';
import { streamBatchId } from '../activities/local/batch-objects.js';
import type { ObjectStore } from '../lib/object-store.js';
import { describeSummary, startPipeline } from '../lib/pipeline-client.js';
import {
  describeExhausted,
  describeSkipped,
  findPipeline,
  keptBatchSize,
  type PipelineHandle,
  type StoppedPipeline,
} from '../lib/pipeline-resume.js';
import { getCycleStatusQuery } from '../workflows/definitions.js';
import { TrainModelWorkflow } from '../workflows/index.js';
import { defaultPipelineConfig, initialReviewCycleState } from '../workflows/pipeline-config.js';
import type { CycleStatus, ReviewCycleSummary, ReviewPolicy } from '../workflows/review-types.js';
import { followWorkflow, withDeadline } from './follow-workflow.js';

/** What the main job gets once the server and the worker are up. */
export interface MainJobContext {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** The worker's object store, which holds the pipeline's batches and ground truth. */
  store: ObjectStore;
  /** The Temporal Web UI, such as `http://localhost:8233`, when it answers. */
  uiUrl?: string;
  /** Aborted on Ctrl-C or SIGTERM, and when the worker fails. */
  signal: AbortSignal;
  /** Prints a line for the user. */
  print: (line: string) => void;
}

/** The pipeline `npm start` runs. */
export interface MainJobOptions {
  pipelineId: string;
  reviewer: ReviewPolicy['reviewer'];
  /** Stop after this many batches, then stop `npm start`; run until the stream ends when absent. */
  batches?: number;
  /** Rows per batch of a new pipeline; a pipeline that has taken batches keeps its size. */
  batchSize?: number;
}

/**
 * What `npm start` does when the main job returns: print `report` at once and keep the server and the worker up
 * until Ctrl-C, or stop them and print `report` last, so that its last line sums the run up.
 */
export interface MainJobOutcome {
  keepRunning: boolean;
  report: string[];
}

export async function runMainJob(context: MainJobContext, options: MainJobOptions): Promise<MainJobOutcome> {
  if (!(await ensureCurrentModel(context))) return { keepRunning: false, report: [] };
  return runPipelineJob(context, options);
}

/** Makes sure the registry has a current model, as a workflow the Web UI shows; false when stopped first. */
async function ensureCurrentModel({ client, taskQueue, signal, print }: MainJobContext): Promise<boolean> {
  const handle = await client.workflow.start(TrainModelWorkflow, {
    taskQueue,
    workflowId: `train-first-model-${new Date().toISOString()}`,
    args: [{ reason: 'initial', onlyIfEmpty: true }],
    staticSummary: 'Train the first model when the registry has none',
  });
  print(`Checking for a current model (workflow ${handle.workflowId})...`);
  const model = await followWorkflow(client, handle, { signal });
  if (model === undefined) return false;

  const auc = model.holdoutAuc === null ? 'n/a' : model.holdoutAuc.toFixed(3);
  print(`Current model: ${model.version} (AUC ${auc} on the holdout)`);
  return true;
}

/**
 * Runs pipeline `pipelineId`: attaches to it when it is running, else starts it where its last run stopped. Says
 * where to look, tells of each batch reviewed, and waits for the pipeline's result or for the signal.
 */
export async function runPipelineJob(context: MainJobContext, options: MainJobOptions): Promise<MainJobOutcome> {
  const { pipelineId } = options;
  const standing = await findPipeline(context.client, context.store, pipelineId);
  if (!standing.running && standing.streamEnded) {
    const { nextBatchIndex, groundTruthVersion } = standing.cursor;
    return finish(options, [
      `${describeExhausted(pipelineId, nextBatchIndex)} Give another --pipeline id to review the stream again.`,
      lastLine(pipelineId, { totals: initialReviewCycleState().totals, groundTruthVersion }),
    ]);
  }

  const handle = standing.running ? attach(context, options, standing.handle) : await start(context, options, standing);
  printWhereToLook(context, handle.workflowId);

  const summary = await followWorkflow(context.client, handle, {
    signal: context.signal,
    whileRunning: progressPrinter(context, handle),
  });
  if (summary === undefined) {
    return {
      keepRunning: false,
      report: [`Pipeline ${pipelineId} stays open in Temporal; the next npm start attaches to it.`],
    };
  }
  return finish(options, summaryLines(summary));
}

/** With a batch limit, `npm start` stops and reports; without one, it reports and keeps running. */
function finish(options: MainJobOptions, report: string[]): MainJobOutcome {
  return { keepRunning: options.batches === undefined, report };
}

function attach(context: MainJobContext, options: MainJobOptions, handle: PipelineHandle): PipelineHandle {
  context.print(
    `Pipeline ${options.pipelineId} is already running (workflow ${handle.workflowId}); attaching to it. ` +
      'It keeps the reviewer, batch size and batch limit it was started with.',
  );
  return handle;
}

async function start(
  context: MainJobContext,
  options: MainJobOptions,
  standing: StoppedPipeline,
): Promise<PipelineHandle> {
  const { pipelineId, reviewer, batches } = options;
  const requested =
    options.batchSize === undefined ? undefined : { size: options.batchSize, where: { field: '--batch-size' } };
  const batchSize = keptBatchSize(pipelineId, standing.batchSize, requested) ?? defaultPipelineConfig().batchSize;
  for (const batchId of standing.skipped) context.print(describeSkipped(batchId));

  const handle = await startPipeline(context.client, {
    pipelineId,
    config: { batchSize, review: { reviewer } },
    taskQueue: context.taskQueue,
    cursor: standing.cursor,
    ...(batches !== undefined && { maxBatches: batches }),
  });
  const from = streamBatchId(standing.cursor.nextBatchIndex);
  const limit = batches === undefined ? 'until the stream ends' : `for ${count(batches, 'batch', 'batches')}`;
  const who = reviewer === 'oracle' ? 'the oracle answers every task' : 'review tasks wait for people';
  context.print(`Started pipeline ${pipelineId} at ${from}, ${batchSize} records a batch, ${limit}; ${who}.`);
  return handle;
}

/** Links to the pipeline and its open review tasks in the Web UI; the review app prints its own address. */
function printWhereToLook({ uiUrl, namespace, print }: MainJobContext, workflowId: string): void {
  if (uiUrl === undefined) {
    print(`Pipeline workflow: ${workflowId} (no Web UI answers to link to)`);
  } else {
    const workflows = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`;
    print(`Pipeline in the Web UI: ${workflows}/${encodeURIComponent(workflowId)}`);
    const openTasks = `WorkflowType="HumanReviewWorkflow" AND ExecutionStatus="Running"`;
    print(`Open review tasks in the Web UI: ${workflows}?query=${encodeURIComponent(openTasks)}`);
  }
}

/** Asks the pipeline where it stands; tells when it starts waiting on reviewers, and when it has reviewed a batch. */
function progressPrinter(context: MainJobContext, handle: PipelineHandle): () => Promise<void> {
  let seen: CycleStatus | undefined;
  return async () => {
    const status = await withDeadline(context.client, () => handle.query(getCycleStatusQuery)).catch(() => undefined);
    if (status === undefined) return;
    for (const line of progressLines(seen, status)) context.print(line);
    seen = status;
  };
}

function progressLines(seen: CycleStatus | undefined, now: CycleStatus): string[] {
  const lines: string[] = [];
  if (seen !== undefined && now.state.totals.batches > seen.state.totals.batches) {
    lines.push(`Reviewed ${streamBatchId(now.state.nextBatchIndex - 1)}. So far ${describeSummary(now.state)}`);
  }
  const newWait = seen?.phase !== 'AWAITING_REVIEW' || seen.batchId !== now.batchId;
  if (now.phase === 'AWAITING_REVIEW' && newWait && now.pendingReviews > 0) {
    const open = count(now.openTasks.length, 'open task', 'open tasks');
    lines.push(`${now.batchId}: waiting for reviewers (${now.pendingReviews} records pending in ${open})`);
  }
  return lines;
}

function summaryLines(summary: ReviewCycleSummary): string[] {
  const { pipelineId, totals, nextBatchIndex } = summary;
  const end =
    summary.stoppedBecause === 'stream-ended'
      ? describeExhausted(pipelineId, nextBatchIndex)
      : `Pipeline ${pipelineId} stopped after ${count(totals.batches, 'batch', 'batches')}, as asked; ` +
        `the next start continues at ${streamBatchId(nextBatchIndex)}.`;
  return [end, lastLine(pipelineId, summary)];
}

/** The one line that sums a run up: records scored, sent for review, agreed, overturned, expired; ground truth. */
function lastLine(pipelineId: string, summary: Pick<ReviewCycleSummary, 'totals' | 'groundTruthVersion'>): string {
  return `Pipeline ${pipelineId}, ${describeSummary(summary)}`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
