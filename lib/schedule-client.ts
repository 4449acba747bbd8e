/**
 * A pipeline's nightly Temporal Schedule. Its action is {@link NightlyTickWorkflow}, which asks the pipeline for the
 * night's batches (starting it, paced `on-request`, when it is not running) and ends: a schedule follows the
 * continue-as-new chain of what it starts, so a schedule that started the pipeline itself would skip every night
 * while a cycle waits for reviewers.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { InputError } from '../domain/errors.js';
import { reviewCycleTaskQueue, workflowIds } from '../workflows/definitions.js';
import type { NightlyTickWorkflow } from '../workflows/nightly-tick.js';
import { describeProblems, pipelineConfigProblems, type ConfigProblem } from '../workflows/pipeline-config.js';
import type { NightlyTickInput, PipelineConfig } from '../workflows/review-types.js';

/** 02:00 every day. */
export const defaultNightlyCron = '0 2 * * *';

export interface NightlyScheduleOptions {
  pipelineId: string;
  /** The configuration the pipeline starts with when a tick finds it not running. */
  config: PipelineConfig;
  /** Batches each tick asks for. @default 1 */
  batchesPerTick?: number;
  /** When ticks happen, as a cron expression. @default {@link defaultNightlyCron} */
  cron?: string;
  /** Tick at this interval instead, e.g. `'12 hours'`. */
  every?: Duration;
  /** The time zone of the cron expression. @default 'UTC' */
  timezone?: string;
  /** @default {@link reviewCycleTaskQueue} */
  taskQueue?: string;
}

/** What the schedule's memo says of it, so that a description reads as it was written. */
export interface NightlyScheduleMemo {
  pipelineId: string;
  when: string;
}

/**
 * Creates the pipeline's schedule, with id `review-nightly-<pipeline>`. A bad configuration or timing, or a schedule
 * that already exists, is an {@link InputError}, and nothing is created.
 */
export async function createNightlySchedule(client: Client, options: NightlyScheduleOptions): Promise<ScheduleHandle> {
  const { pipelineId, config, batchesPerTick = 1, cron = defaultNightlyCron, timezone = 'UTC' } = options;
  const problems = [...pipelineConfigProblems(config), ...scheduleOptionProblems(options)];
  if (problems.length > 0) {
    throw new InputError(`schedule of pipeline ${pipelineId}: ${describeProblems(problems)}`);
  }

  const scheduleId = workflowIds.schedule(pipelineId);
  const memo: NightlyScheduleMemo = {
    pipelineId,
    when: options.every === undefined ? `cron '${cron}' (${timezone})` : `every ${options.every}`,
  };
  const input: NightlyTickInput = { pipelineId, config, batches: batchesPerTick };
  try {
    return await client.schedule.create<typeof NightlyTickWorkflow>({
      scheduleId,
      spec:
        options.every === undefined ? { cronExpressions: [cron], timezone } : { intervals: [{ every: options.every }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'NightlyTickWorkflow',
        workflowId: `${scheduleId}-tick`,
        taskQueue: options.taskQueue ?? reviewCycleTaskQueue,
        args: [input],
        staticSummary: `Ask pipeline ${pipelineId} for ${batchesPerTick} batches`,
      },
      // A tick only signals the pipeline and ends within seconds, so ticks overlap only while no worker runs them;
      // BUFFER_ALL then queues each late tick and runs them in turn, where the default SKIP would drop nights silently.
      policies: { overlap: ScheduleOverlapPolicy.BUFFER_ALL },
      memo: { ...memo },
      state: { note: `Created for pipeline ${pipelineId}, ${memo.when}` },
    });
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) {
      throw new InputError(
        `pipeline ${pipelineId} already has a schedule (${scheduleId})`,
        {},
        'See it with `review-cycle schedule describe`, or delete it first',
      );
    }
    // The client reports a request the server found invalid, such as a cron field out of range, as a TypeError.
    if (error instanceof TypeError) {
      throw new InputError(`the server refused the schedule: ${error.message}`, {}, 'Correct --cron or --every');
    }
    throw error;
  }
}

/** The pipeline's schedule and its description; an {@link InputError} when it has none. */
export async function findNightlySchedule(
  client: Client,
  pipelineId: string,
): Promise<{ handle: ScheduleHandle; description: ScheduleDescription }> {
  const handle = client.schedule.getHandle(workflowIds.schedule(pipelineId));
  try {
    return { handle, description: await handle.describe() };
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    throw new InputError(
      `pipeline ${pipelineId} has no schedule (${handle.scheduleId})`,
      {},
      'Create one with `review-cycle schedule create`',
    );
  }
}

/**
 * What is wrong with a schedule's options, its configuration aside, by option: `batches`, `cron`, `every`,
 * `timezone`; empty when they can be used.
 */
export function scheduleOptionProblems(
  options: Pick<NightlyScheduleOptions, 'batchesPerTick' | 'cron' | 'every' | 'timezone'>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { batchesPerTick = 1, timezone = 'UTC' } = options;
  if (!Number.isSafeInteger(batchesPerTick) || batchesPerTick < 1) {
    problems.push({ field: 'batches', problem: `must be a whole number of at least 1, not ${batchesPerTick}` });
  }
  if (options.cron !== undefined && options.cron.trim().split(/\s+/).length < 5) {
    problems.push({
      field: 'cron',
      problem: `must have 5 fields (minute hour day month weekday), not '${options.cron}'`,
    });
  }
  if (options.every !== undefined && !(durationMs(options.every) > 0)) {
    problems.push({
      field: 'every',
      problem: `must be a positive duration such as '12 hours', not '${options.every}'`,
    });
  }
  if (options.every !== undefined && options.cron !== undefined) {
    problems.push({ field: 'every', problem: 'cannot be given with cron: a schedule ticks by one or the other' });
  }
  if (!isTimeZone(timezone)) {
    problems.push({ field: 'timezone', problem: `must be a time zone such as UTC or Europe/Paris, not '${timezone}'` });
  }
  return problems;
}

function durationMs(duration: Duration): number {
  try {
    return msToNumber(duration);
  } catch {
    return Number.NaN;
  }
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
