/**
 * Where a pipeline stands before it is started again: running, so that `npm start` attaches to it and the CLI
 * refuses, or stopped at some batch of the incoming stream, which a new start continues from so that no batch is
 * reviewed twice. Shared by `npm start` and `review-cycle pipeline start`, so both continue a pipeline alike.
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  batchPrefix,
  readBatchRows,
  ROWS_FILE,
  streamBatchId,
  streamBatchIndex,
} from '../activities/local/batch-objects.js';
import { latestManifest } from '../activities/local/ground-truth.js';
import { InputError, type InputLocation } from '../domain/errors.js';
import { workflowIds } from '../workflows/definitions.js';
import type { ReviewCycleWorkflow } from '../workflows/review-cycle.js';
import type { ReviewCycleState, ReviewCycleSummary } from '../workflows/review-types.js';
import { exists, type ObjectStore } from './object-store.js';

export type PipelineHandle = WorkflowHandle<typeof ReviewCycleWorkflow>;

/** Where a new start of a stopped pipeline begins: what `startPipeline` takes as its cursor. */
export type PipelineCursor = Pick<ReviewCycleState, 'nextBatchIndex' | 'groundTruthVersion'>;

export type PipelineStanding = { running: true; handle: PipelineHandle } | StoppedPipeline;

/** A pipeline with no run going on: where a new start begins, and what it must keep. */
export interface StoppedPipeline {
  running: false;
  cursor: PipelineCursor;
  /** The last run stopped at the end of the incoming stream, and nothing has been taken since. */
  streamEnded: boolean;
  /** Rows a batch of this pipeline holds, once it has taken one: a new start must keep the size. */
  batchSize?: number;
  /** Batches left half reviewed by a run that was stopped in their middle; the cursor lies past them. */
  skipped: string[];
}

/**
 * Finds pipeline `pipelineId` on the server and in the object store. The next batch of a stopped pipeline is the
 * later of what its last run returned and what its ground truth holds, so that a server whose history was reset
 * (another database file) does not review the same batches again.
 */
export async function findPipeline(client: Client, store: ObjectStore, pipelineId: string): Promise<PipelineStanding> {
  const handle = client.workflow.getHandle<typeof ReviewCycleWorkflow>(workflowIds.pipeline(pipelineId));
  const last = await lastRun(handle);
  if (last === 'running') return { running: true, handle };

  const manifest = await latestManifest(store, pipelineId);
  const reviewed = (manifest?.parts ?? []).map((part) => streamBatchIndex(part.batchId) ?? -1);
  const after = Math.max(last?.nextBatchIndex ?? 0, ...reviewed.map((index) => index + 1));

  // A run terminated while its tasks were open leaves their verdict files, which the batch's new tasks would clash
  // with: such a batch is skipped, and its verdicts stay where they are.
  const skipped: string[] = [];
  let nextBatchIndex = after;
  while ((await store.list(`${batchPrefix(pipelineId, streamBatchId(nextBatchIndex))}/reviews/`)).length > 0) {
    skipped.push(streamBatchId(nextBatchIndex));
    nextBatchIndex += 1;
  }

  return {
    running: false,
    cursor: { nextBatchIndex, ...(manifest !== undefined && { groundTruthVersion: manifest.version }) },
    streamEnded: last?.stoppedBecause === 'stream-ended' && nextBatchIndex <= (last.nextBatchIndex ?? 0),
    batchSize: await firstBatchSize(store, pipelineId),
    skipped,
  };
}

/** `running`, the summary of a completed last run, or undefined when there was none or it did not complete. */
async function lastRun(handle: PipelineHandle): Promise<'running' | Partial<ReviewCycleSummary> | undefined> {
  try {
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') return 'running';
    // Runs from before the summary held `nextBatchIndex` lack it; the ground truth then tells.
    return status.name === 'COMPLETED' ? ((await handle.result()) as Partial<ReviewCycleSummary>) : undefined;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

async function firstBatchSize(store: ObjectStore, pipelineId: string): Promise<number | undefined> {
  const rowsKey = `${batchPrefix(pipelineId, streamBatchId(0))}/${ROWS_FILE}`;
  if (!(await exists(store, rowsKey))) return undefined;
  return (await readBatchRows(store, { rowsKey })).rowIds.length;
}

/** A batch size the user asked for, and the flag or file field that asked. */
export interface BatchSizeRequest {
  size: number;
  where: InputLocation & { field: string };
}

/**
 * The batch size of a new start: the pipeline's own once it has taken a batch, since another size would cut the
 * stream into other rows; else the requested one. An {@link InputError} naming both when they differ.
 */
export function keptBatchSize(
  pipelineId: string,
  taken: number | undefined,
  requested: BatchSizeRequest | undefined,
): number | undefined {
  if (taken === undefined) return requested?.size;
  if (requested === undefined || requested.size === taken) return taken;
  throw new InputError(
    `pipeline ${pipelineId} takes batches of ${taken} records, not ${requested.size}`,
    requested.where,
    `Give ${requested.where.field} ${taken}, or leave it out, or start another --pipeline id`,
  );
}

/** What to tell when a new start skips a batch that a stopped run left half reviewed. */
export function describeSkipped(batchId: string): string {
  return `Skipping ${batchId}: a stopped run left it half reviewed; its verdict files stay as they are.`;
}

/** What to tell when the pipeline has taken the last batch of the incoming stream. */
export function describeExhausted(pipelineId: string, nextBatchIndex: number): string {
  const last = nextBatchIndex === 0 ? '' : `, up to ${streamBatchId(nextBatchIndex - 1)}`;
  return `The incoming stream is exhausted: pipeline ${pipelineId} has taken every batch${last}.`;
}
