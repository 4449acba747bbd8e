import { parseArgs } from 'node:util';
import { describeSummary, getPipelineStatus, type PipelineStatus } from '../lib/pipeline-client.js';
import type { Command } from './main.js';
import { defaultPipelineId, readPipelineId } from './options.js';
import { withClient, workflowUrl } from './temporal-client.js';

export const statusCommand: Command = {
  usage: 'status [--pipeline ID] [--json]',
  summary: [
    'Shows where a pipeline stands: its phase, the batch and model it works on, the records waiting for a',
    `verdict, the batches requested, and its totals so far. --pipeline defaults to ${defaultPipelineId};`,
    '--json prints the status as JSON.',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({ args, options: { pipeline: { type: 'string' }, json: { type: 'boolean' } } });
    const pipelineId = readPipelineId(values.pipeline);
    const status = await withClient((client) => getPipelineStatus(client, pipelineId));
    console.log(values.json ? JSON.stringify(status, null, 2) : describeStatus(pipelineId, status));
  },
};

function describeStatus(pipelineId: string, status: PipelineStatus): string {
  const lines = [`Pipeline ${pipelineId}: workflow ${status.workflowId}, ${status.execution}`];
  const { cycle, summary } = status;
  if (cycle !== undefined) {
    const at = [cycle.batchId && `batch ${cycle.batchId}`, cycle.modelVersion && `model ${cycle.modelVersion}`];
    const where = at.filter(Boolean).join(', ');
    lines.push(`  phase       ${cycle.phase}${where === '' ? '' : ` (${where})`}`);
    lines.push(`  waiting     ${cycle.pendingReviews} records in ${cycle.openTasks.length} open review tasks`);
    lines.push(`  requested   ${cycle.state.requestedBatches} batches not yet started`);
    lines.push(`  done        ${describeSummary(cycle.state)}`);
    const retrain = cycle.state.retrainRequest;
    if (retrain !== undefined) lines.push(`  retrain     asked after ${retrain.batchId}: ${retrain.reason}`);
  }
  if (summary !== undefined) lines.push(`  stopped     ${summary.stoppedBecause}: ${describeSummary(summary)}`);
  if (status.failure !== undefined) lines.push(`  failure     ${status.failure}`);
  lines.push(`  Web UI      ${workflowUrl(status.workflowId)}`);
  return lines.join('\n');
}
