import { WorkflowFailedError, type Client } from '@temporalio/client';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import { describeSummary, requestBatches, startPipeline } from '../lib/pipeline-client.js';
import { innermostMessage } from '../lib/workflow-lookup.js';
import type { ReviewCycleInput, ReviewCycleSummary } from '../workflows/review-types.js';
import { CommandFailure } from './command-failure.js';
import type { Command } from './main.js';
import { readPipelineId, readWholeNumber, runSubcommand } from './options.js';
import { pipelineOptions, pipelineOptionsHelp, pipelineOptionsUsage, readPipelineOptions } from './pipeline-options.js';
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

/** Checks the options, starts the pipeline, prints where to watch it and, when asked, waits and prints its summary. */
export async function startAndReport(
  values: Parameters<typeof readPipelineOptions>[0],
  run: { maxBatches: number | undefined; pace: ReviewCycleInput['pace']; wait: boolean },
): Promise<void> {
  const { pipelineId, config } = await readPipelineOptions(values);
  await withClient(async (client: Client) => {
    const handle = await startPipeline(client, { pipelineId, config, maxBatches: run.maxBatches, pace: run.pace });
    const batches =
      run.maxBatches === undefined
        ? 'until the stream ends'
        : `for ${run.maxBatches} batch${run.maxBatches === 1 ? '' : 'es'}`;
    console.log(`Started pipeline ${pipelineId} (${run.pace}, ${batches}): workflow ${handle.workflowId}`);
    console.log(`Web UI: ${workflowUrl(handle.workflowId)}`);
    if (!run.wait) return;

    let summary: ReviewCycleSummary;
    try {
      summary = await handle.result();
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      throw new CommandFailure(`pipeline ${pipelineId} failed: ${innermostMessage(error)}`);
    }
    console.log(`Pipeline ${pipelineId} stopped (${summary.stoppedBecause}): ${describeSummary(summary)}`);
  });
}
