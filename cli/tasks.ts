import { parseArgs } from 'node:util';
import { listOpenTasks, type OpenTask } from '../lib/task-client.js';
import type { Command } from './main.js';
import { readId, readPipelineId } from './options.js';
import { withClient } from './temporal-client.js';

export const tasksCommand: Command = {
  usage: 'tasks [--pipeline ID] [--batch ID] [--json]',
  summary: [
    'Lists the open review tasks, oldest first, found through visibility',
    "(WorkflowType='HumanReviewWorkflow' AND ReviewStatus='OPEN'): batch, records still pending, assignee, and",
    'when the task is reminded and expires. --pipeline and --batch narrow the list; --json prints it as JSON.',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { pipeline: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' } },
    });
    const filter = {
      ...(values.pipeline !== undefined && { pipelineId: readPipelineId(values.pipeline) }),
      ...(values.batch !== undefined && { batchId: readId(values.batch, '--batch') }),
    };
    const tasks = await withClient((client) => listOpenTasks(client, filter));
    if (values.json) console.log(JSON.stringify(tasks, null, 2));
    else console.log(tasks.length === 0 ? 'No open review tasks.' : table(tasks));
  },
};

function table(tasks: OpenTask[]): string {
  const rows = tasks.map((task) => [
    task.taskId,
    task.batchId ?? '?',
    task.records === undefined ? `${task.pending ?? '?'} pending` : `${task.pending} of ${task.records} pending`,
    task.assignee ?? '-',
    task.remindAt ?? '?',
    task.expiresAt ?? '?',
  ]);
  const header = ['TASK', 'BATCH', 'RECORDS', 'ASSIGNEE', 'REMINDER', 'EXPIRES'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
