import { parseArgs } from 'node:util';
import { cancelTask, getTask, reassignTask } from '../lib/task-client.js';
import type { TaskView } from '../workflows/review-types.js';
import type { Command } from './main.js';
import { onePositional, readId, required, runSubcommand } from './options.js';
import { withClient } from './temporal-client.js';

/** Features shown per record, by the size of their SHAP value. */
const shownFeatures = 5;

const usages = {
  show: 'task show TASK_ID [--json]',
  reassign: 'task reassign TASK_ID --to REVIEWER [--by ID]',
  cancel: 'task cancel TASK_ID --reason TEXT',
};

export const taskCommand: Command = {
  usage: Object.values(usages).join('\n       review-cycle '),
  summary: [
    'show: prints a review task as its reviewer sees it: each record with its probability, the features that',
    'weigh most in its decision (SHAP values in log-odds), its plot and the decision so far; --json prints the',
    'whole task view. reassign: hands the task to another reviewer. cancel: withdraws it; its undecided records',
    "are recorded as CANCELLED with the reason. TASK_ID is the task's workflow id, as `review-cycle tasks` lists.",
  ].join('\n'),
  run: (args) => runSubcommand('task', args, { show, reassign, cancel }),
};

async function show(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
  const taskId = readId(onePositional(positionals, 'task id', usages.show), 'TASK_ID');
  const view = await withClient((client) => getTask(client, taskId));
  console.log(values.json ? JSON.stringify(view, null, 2) : describeTask(view));
}

async function reassign(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { to: { type: 'string' }, by: { type: 'string' } },
    allowPositionals: true,
  });
  const taskId = readId(onePositional(positionals, 'task id', usages.reassign), 'TASK_ID');
  const assignee = required(values.to, '--to', usages.reassign);
  await withClient((client) => reassignTask(client, taskId, assignee, values.by));
  console.log(`Task ${taskId} reassigned to ${assignee}.`);
}

async function cancel(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { reason: { type: 'string' } }, allowPositionals: true });
  const taskId = readId(onePositional(positionals, 'task id', usages.cancel), 'TASK_ID');
  const reason = required(values.reason, '--reason', usages.cancel);
  await withClient((client) => cancelTask(client, taskId, reason));
  console.log(`Task ${taskId} asked to cancel: its undecided records will be recorded as CANCELLED.`);
}

function describeTask(view: TaskView): string {
  const lines = [
    `Task ${view.taskId}: ${view.status}, pipeline ${view.pipelineId}, batch ${view.batchId}, model ${view.modelVersion}`,
    `  assignee ${view.assignee ?? 'none'}; groups ${view.groups.length === 0 ? 'all' : view.groups.join(', ')}`,
    `  created ${view.createdAt}; reminder ${view.remindAt} (${view.remindersSent} sent); expires ${view.expiresAt}`,
  ];
  for (const record of view.records) {
    const { decision } = record;
    const by = decision.reviewerId === undefined ? '' : ` by ${decision.reviewerId}`;
    const why = decision.reason === undefined ? '' : `: ${decision.reason}`;
    lines.push('');
    lines.push(
      `  Record ${record.rowId} (row ${record.rowNumber}): ${record.predictedOutcome} at p=${record.probability.toFixed(3)}, ` +
        `selected as ${record.reason}; ${decision.status}${by}${why}`,
    );
    const top = [...record.features].sort((a, b) => Math.abs(b.shap) - Math.abs(a.shap)).slice(0, shownFeatures);
    for (const feature of top) {
      const shap = `${feature.shap >= 0 ? '+' : ''}${feature.shap.toFixed(3)}`;
      lines.push(`    ${shap.padStart(7)}  ${feature.feature} = ${feature.value}`);
    }
    if (record.plotSvgKey !== undefined) lines.push(`    plot (object-store key): ${record.plotSvgKey}`);
  }
  return lines.join('\n');
}
