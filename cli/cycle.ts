import { parseArgs } from 'node:util';
import type { Command } from './main.js';
import { startAndReport } from './pipeline.js';
import { pipelineOptions, pipelineOptionsHelp, pipelineOptionsUsage } from './pipeline-options.js';

export const cycleCommand: Command = {
  usage: `cycle ${pipelineOptionsUsage} [--wait]`,
  summary: [
    'Runs a single review cycle: one batch of the incoming stream, scored, explained and sent to review, its',
    'verdicts written as ground truth. The same as `pipeline start --batches 1`.',
    '',
    ...pipelineOptionsHelp,
    '  --wait               wait until the cycle is done, then print its summary',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({ args, options: { ...pipelineOptions, wait: { type: 'boolean' } } });
    await startAndReport(values, { maxBatches: 1, pace: 'continuous', wait: values.wait === true });
  },
};
