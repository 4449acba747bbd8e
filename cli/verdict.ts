import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import { readInputFile } from '../lib/files.js';
import { submitVerdicts } from '../lib/task-client.js';
import type { RecordVerdict } from '../workflows/review-types.js';
import type { Command } from './main.js';
import { readId, required } from './options.js';
import { withClient } from './temporal-client.js';

const usage =
  'verdict --task TASK_ID --reviewer ID (--row ROW_ID (--agree | --disagree --reason TEXT) | --verdicts FILE.json)';

export const verdictCommand: Command = {
  usage,
  summary: [
    'Gives a verdict on a record of a review task: --agree with the model, or --disagree with a --reason that says',
    'why it is wrong. --verdicts FILE.json gives several at once: a list of { "rowId", "verdict": "agree" |',
    '"disagree", "reason" }. The task checks the submission before it takes any of it: an unknown record, a',
    'missing reason, a record already decided, an expired or cancelled task are refused with the reason, and',
    'nothing changes.',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        task: { type: 'string' },
        reviewer: { type: 'string' },
        row: { type: 'string' },
        agree: { type: 'boolean' },
        disagree: { type: 'boolean' },
        reason: { type: 'string' },
        verdicts: { type: 'string' },
      },
    });
    const taskId = readId(required(values.task, '--task', usage), '--task');
    const reviewerId = required(values.reviewer, '--reviewer', usage);
    const verdicts = values.verdicts === undefined ? [oneVerdict(values)] : await readVerdicts(values);

    const view = await withClient((client) => submitVerdicts(client, taskId, { reviewerId, verdicts }));
    const pending = view.records.filter((record) => record.decision.status === 'PENDING').length;
    for (const { rowId } of verdicts) {
      const decision = view.records.find((record) => record.rowId === rowId)?.decision;
      console.log(`Record ${rowId}: ${decision?.status ?? 'recorded'} by ${reviewerId}`);
    }
    console.log(`Task ${taskId}: ${view.status}, ${pending} of ${view.records.length} records still pending.`);
  },
};

interface VerdictFlags {
  row?: string;
  agree?: boolean;
  disagree?: boolean;
  reason?: string;
  verdicts?: string;
}

function oneVerdict(values: VerdictFlags): RecordVerdict {
  const rowId = required(values.row, '--row', usage);
  if (values.agree === values.disagree) {
    throw new InputError('give exactly one of --agree and --disagree', {}, `Usage: review-cycle ${usage}`);
  }
  // A missing reason on --disagree is left to the task's own check, which says what a reason must be.
  return {
    rowId,
    verdict: values.agree ? 'agree' : 'disagree',
    ...(values.reason !== undefined && { reason: values.reason }),
  };
}

async function readVerdicts(values: VerdictFlags): Promise<RecordVerdict[]> {
  const file = values.verdicts!;
  if (values.row !== undefined || values.agree || values.disagree || values.reason !== undefined) {
    throw new InputError('--verdicts cannot be combined with --row, --agree, --disagree or --reason');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readInputFile(file, 'verdicts'));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`is not JSON (${(error as Error).message})`, { file });
  }
  if (!Array.isArray(parsed)) {
    throw new InputError('must hold a list of { "rowId", "verdict", "reason" }', { file });
  }
  return parsed as RecordVerdict[];
}
