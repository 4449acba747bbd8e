import { parseArgs } from 'node:util';
import { exportHistory } from '../lib/history-export.js';
import type { Command } from './main.js';
import { required, runSubcommand } from './options.js';
import { withClient } from './temporal-client.js';

const usage = 'history export --workflow-id ID [--run-id ID] --out FILE.json';

export const historyCommand: Command = {
  usage,
  summary: [
    "Writes a workflow run's event history to a JSON file, as `temporal workflow show --output json` does, for",
    'replay tests (Worker.runReplayHistory) and for reading what a cycle did. Without --run-id, the latest run.',
  ].join('\n'),
  run: (args) => runSubcommand('history', args, { export: exportCommand }),
};

async function exportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'workflow-id': { type: 'string' }, 'run-id': { type: 'string' }, out: { type: 'string' } },
  });
  const workflowId = required(values['workflow-id'], '--workflow-id', usage);
  const path = required(values.out, '--out', usage);
  const exported = await withClient((client) =>
    exportHistory(client, { workflowId, path, ...(values['run-id'] !== undefined && { runId: values['run-id'] }) }),
  );
  console.log(`Wrote ${exported.events} events of ${exported.workflowId} (run ${exported.runId}) to ${exported.path}`);
}
