import { WorkflowFailedError, type Client } from '@temporalio/client';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { streamBatchId } from '../activities/local/batch-objects.js';
import { InputError } from '../domain/errors.js';
import { FileObjectStore, type ObjectStore } from '../lib/object-store.js';
import { describeSummary, pipelineRunningError, requestBatches, startPipeline } from '../lib/pipeline-client.js';
import {
  describeExhausted,
  describeSkipped,
  findPipeline,
  keptBatchSize,
  type PipelineHandle,
} from '../lib/pipeline-resume.js';
import { innermostMessage } from '../lib/workflow-lookup.js';
import type { ReviewCycleInput, ReviewCycleSummary } from '../workflows/review-types.js';
import { CommandFailure } from './command-failure.js';
import type { Command } from './main.js';
import { readPipelineId, readWholeNumber, runSubcommand } from './options.js';
import {
  pipelineOptions,
  pipelineOptionsHelp,
  pipelineOptionsUsage,
  readPipelineOptions,
  type PipelineOptions,
} from './pipeline-options.js';
import { withClient, workflowUrl } from './temporal-client.js';

const usages = {
  start: `pipeline start ${pipelineOptionsUsage} [--batches N] [--pace continuous|on-request] [--wait]`,
  request: 'pipeline request [--pipeline ID] [--batches N] [--by ID]',
};

export const pipelineCommand: Command = {
  usage: Object.values(usages).join('\n       review-cycle '),
  summary: [
    'start: starts a review pipeline: batch after batch of the incoming stream, scored, explained, and sent to',
    'review. Prints its workflow id and Web UI page. The configuration is checked before anything starts.',
    'A pipeline that stopped continues with its first batch not yet reviewed and keeps its batch size, as read',
    "from its last run and from the workers' object store (REVIEW_CYCLE_OBJECTS, default .data/objects). A",
    'pipeline that is running is refused.',
    '',
    ...pipelineOptionsHelp,
    '  --batches N          stop after N batches (default: run until the stream ends)',
    '  --pace PACE          continuous (the default): the next batch starts when one is done; on-request: each',
    '                       batch waits for a request: a tick of its nightly schedule, or `pipeline request`',
    '  --wait               wait until the pipeline stops, then print its summary',
    '',
    'request: asks a running pipeline paced on-request for --batches more batches (default 1), as its nightly',
    'schedule does; --by names who asks (default: the user running the command).',
  ].join('\n'),
  run: (args) => runSubcommand('pipeline', args, { start, request }),
};

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { ...pipelineOptions, batches: { type: 'string' }, pace: { type: 'string' }, wait: { type: 'boolean' } },
  });
  const pace = values.pace ?? 'continuous';
  if (pace !== 'continuous' && pace !== 'on-request') {
    throw new InputError(`--pace must be continuous or on-request, not '${pace}'`);
  }
  const maxBatches = values.batches === undefined ? undefined : readWholeNumber(values.batches, '--batches', 1);
  await startAndReport(values, { maxBatches, pace, wait: values.wait === true });
}

async function request(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { pipeline: { type: 'string' }, batches: { type: 'string' }, by: { type: 'string' } },
  });
  const pipelineId = readPipelineId(values.pipeline);
  const count = values.batches === undefined ? 1 : readWholeNumber(values.batches, '--batches', 1);
  const by = values.by ?? userInfo().username;
  await withClient((client) => requestBatches(client, pipelineId, count, by));
  console.log(`Asked pipeline ${pipelineId} for ${count} more batch${count === 1 ? '' : 'es'}.`);
}

/** How a start of the pipeline runs: a batch limit, its pace, and whether to wait for its summary. */
interface StartRun {
  maxBatches: number | undefined;
  pace: ReviewCycleInput['pace'];
  wait: boolean;
}

/**
 * Checks the options and starts the pipeline where it stopped, so that no batch is reviewed twice; prints where it
 * starts and where to watch it and, when asked, waits and prints its summary. A running pipeline is refused; one
 * that has taken the whole stream is left as it is.
 */
export async function startAndReport(values: Parameters<typeof readPipelineOptions>[0], run: StartRun): Promise<void> {
  const options = await readPipelineOptions(values);
  const store = new FileObjectStore();
  await withClient(async (client: Client) => {
    const handle = await startWhereItStopped(client, store, options, run);
    if (handle === undefined || !run.wait) return;

    let summary: ReviewCycleSummary;
    try {
      summary = await handle.result();
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      throw new CommandFailure(`pipeline ${options.pipelineId} failed: ${innermostMessage(error)}`);
    }
    console.log(`Pipeline ${options.pipelineId} stopped (${summary.stoppedBecause}): ${describeSummary(summary)}`);
  });
}

/** Starts the pipeline at its first batch not yet reviewed; undefined when the stream has no batch left. */
async function startWhereItStopped(
  client: Client,
  store: ObjectStore,
  { pipelineId, config, batchSizeRequest }: PipelineOptions,
  run: StartRun,
): Promise<PipelineHandle | undefined> {
  const standing = await findPipeline(client, store, pipelineId);
  if (standing.running) throw pipelineRunningError(pipelineId);
  const { cursor } = standing;
  if (standing.streamEnded) {
    console.log(
      `${describeExhausted(pipelineId, cursor.nextBatchIndex)} Give another --pipeline id to review the stream again.`,
    );
    return undefined;
  }

  const batchSize = keptBatchSize(pipelineId, standing.batchSize, batchSizeRequest) ?? config.batchSize;
  for (const batchId of standing.skipped) console.log(describeSkipped(batchId));
  const handle = await startPipeline(client, {
    pipelineId,
    config: { ...config, batchSize },
    maxBatches: run.maxBatches,
    pace: run.pace,
    cursor,
  });

  const batches =
    run.maxBatches === undefined
      ? 'until the stream ends'
      : `for ${run.maxBatches} batch${run.maxBatches === 1 ? '' : 'es'}`;
  const groundTruth =
    cursor.groundTruthVersion === undefined
      ? 'no ground truth yet'
      : `ground truth ${cursor.groundTruthVersion} so far`;
  console.log(`Started pipeline ${pipelineId} (${run.pace}, ${batches}): workflow ${handle.workflowId}`);
  console.log(`It starts at ${streamBatchId(cursor.nextBatchIndex)}, ${batchSize} records a batch, ${groundTruth}.`);
  console.log(`Web UI: ${workflowUrl(handle.workflowId)}`);
  return handle;
}
