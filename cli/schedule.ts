import type { ScheduleDescription, ScheduleHandle } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import {
  createNightlySchedule,
  defaultNightlyCron,
  findNightlySchedule,
  scheduleOptionProblems,
} from '../lib/schedule-client.js';
import { describeProblems } from '../workflows/pipeline-config.js';
import type { Command } from './main.js';
import { readPipelineId, readWholeNumber, runSubcommand } from './options.js';
import { pipelineOptions, pipelineOptionsHelp, pipelineOptionsUsage, readPipelineOptions } from './pipeline-options.js';
import { withClient } from './temporal-client.js';

const pipelineOnly = { pipeline: { type: 'string' } } as const;

export const scheduleCommand: Command = {
  usage: [
    `schedule create ${pipelineOptionsUsage} [--batches N] [--cron EXPR | --every DURATION] [--timezone TZ]`,
    'schedule pause|unpause [--pipeline ID] [--note TEXT]',
    'schedule trigger|describe|delete [--pipeline ID]',
  ].join('\n       review-cycle '),
  summary: [
    "Manages a pipeline's nightly Temporal Schedule, review-nightly-ID. Each tick runs NightlyTickWorkflow, which",
    'asks the pipeline for --batches batches (default 1), starting it paced on-request with this configuration',
    'when it is not running, and ends at once: a night is never skipped while a cycle waits for reviewers, and the',
    'requests add up in the pipeline until it takes them.',
    '',
    ...pipelineOptionsHelp,
    `  --cron EXPR          when ticks happen (default '${defaultNightlyCron}': 02:00 every day)`,
    "  --every DURATION     tick at an interval instead, e.g. '12 hours'",
    '  --timezone TZ        the time zone of --cron (default UTC)',
    '  --note TEXT          why the schedule is paused or unpaused, shown by describe and in the Web UI',
    '',
    'trigger runs a tick now; describe shows the timing, the next ticks and the recent ones (--json: all of it).',
  ].join('\n'),
  run: (args) => runSubcommand('schedule', args, { create, pause, unpause, trigger, describe, delete: remove }),
};

async function create(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...pipelineOptions,
      batches: { type: 'string' },
      cron: { type: 'string' },
      every: { type: 'string' },
      timezone: { type: 'string' },
    },
  });
  const { pipelineId, config } = await readPipelineOptions(values);
  const timing = {
    batchesPerTick: values.batches === undefined ? 1 : readWholeNumber(values.batches, '--batches', 1),
    ...(values.cron !== undefined && { cron: values.cron }),
    ...(values.every !== undefined && { every: values.every }),
    ...(values.timezone !== undefined && { timezone: values.timezone }),
  };
  const problems = scheduleOptionProblems(timing).map(({ field, problem }) => ({ field: `--${field}`, problem }));
  if (problems.length > 0) throw new InputError(describeProblems(problems));

  const created = await withClient(async (client) => {
    const handle = await createNightlySchedule(client, { pipelineId, config, ...timing });
    return { scheduleId: handle.scheduleId, description: await handle.describe() };
  });
  console.log(`Created schedule ${created.scheduleId} for pipeline ${pipelineId}.`);
  console.log(describeSchedule(created.description));
}

async function pause(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...pipelineOnly, note: { type: 'string' } } });
  await onSchedule(values.pipeline, async (handle, pipelineId) => {
    await handle.pause(values.note ?? 'Paused with review-cycle schedule pause');
    console.log(`Paused the schedule of pipeline ${pipelineId}: no ticks until it is unpaused.`);
  });
}

async function unpause(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...pipelineOnly, note: { type: 'string' } } });
  await onSchedule(values.pipeline, async (handle, pipelineId) => {
    await handle.unpause(values.note ?? 'Unpaused with review-cycle schedule unpause');
    console.log(`Unpaused the schedule of pipeline ${pipelineId}.`);
  });
}

async function trigger(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: pipelineOnly });
  await onSchedule(values.pipeline, async (handle, pipelineId) => {
    await handle.trigger();
    console.log(`Triggered a tick of the schedule of pipeline ${pipelineId}: it asks the pipeline for its batches.`);
  });
}

async function describe(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...pipelineOnly, json: { type: 'boolean' } } });
  await onSchedule(values.pipeline, async (handle, pipelineId) => {
    const description = await handle.describe();
    if (values.json) console.log(JSON.stringify(description, withoutRaw, 2));
    else console.log(`Schedule ${handle.scheduleId} of pipeline ${pipelineId}\n${describeSchedule(description)}`);
  });
}

async function remove(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: pipelineOnly });
  await onSchedule(values.pipeline, async (handle, pipelineId) => {
    await handle.delete();
    console.log(`Deleted the schedule of pipeline ${pipelineId}; the pipeline itself runs on.`);
  });
}

/** Finds the pipeline's schedule, an error when it has none, and runs `fn` on it. */
async function onSchedule(
  pipelineFlag: string | undefined,
  fn: (handle: ScheduleHandle, pipelineId: string) => Promise<void>,
): Promise<void> {
  const pipelineId = readPipelineId(pipelineFlag);
  await withClient(async (client) => fn((await findNightlySchedule(client, pipelineId)).handle, pipelineId));
}

function describeSchedule(description: ScheduleDescription): string {
  const memo = description.memo as { when?: string } | undefined;
  const { state, info } = description;
  const lines = [
    `  when        ${memo?.when ?? 'see the Web UI'}`,
    `  state       ${state.paused ? 'PAUSED' : 'active'}${state.note ? ` (${state.note})` : ''}`,
    `  next ticks  ${
      info.nextActionTimes
        .slice(0, 3)
        .map((time) => time.toISOString())
        .join(', ') || 'none'
    }`,
    `  ticks       ${info.numActionsTaken} so far`,
  ];
  for (const action of info.recentActions.slice(-5)) {
    lines.push(`    ${action.takenAt.toISOString()}  ${action.action.workflow.workflowId}`);
  }
  return lines.join('\n');
}

/** Leaves out the server's raw response, which repeats the rest in protobuf form. */
function withoutRaw(key: string, value: unknown): unknown {
  return key === 'raw' ? undefined : value;
}
