/**
 * Where the time of one review-cycle batch goes, read from the workflow histories: the cycle's own events mark its
 * steps, and each task's history tells when the oracle's verdicts were accepted.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { tsToMs } from '@temporalio/common/lib/time.js';

type HistoryEvent = NonNullable<History['events']>[number];

/** A batch's steps, in order, each ending at an event of the cycle's history. */
export const cyclePhases = [
  'scoring',
  'explanation',
  'selection',
  'plots',
  'tasksCreated',
  'verdicts',
  'groundTruth',
  'close',
] as const;

export type CyclePhase = (typeof cyclePhases)[number];

export interface CycleTimeline {
  /** From the cycle's start event to its close event. */
  totalSeconds: number;
  /** How long each step took, from the end of the one before. */
  phaseSeconds: Record<CyclePhase, number>;
  explanationChunks: number;
  tasks: number;
  /**
   * The time during which at least one oracle answer was on its way: from its activity being scheduled to its
   * verdicts being accepted by the task. A person's verdict takes this place; the rest is the pipeline's overhead.
   */
  oracleSeconds: number;
}

/** Reads the timeline of a one-batch cycle that closed, and of its review tasks. */
export async function cycleTimeline(client: Client, workflowId: string): Promise<CycleTimeline> {
  const events = await historyOf(client, workflowId);
  const started = timeOf(events[0]!);
  const closed = timeOf(events.at(-1)!);

  const activities = activityTimes(events);
  const lastCompleted = (type: string) =>
    Math.max(...activities.filter((a) => a.type === type).map((a) => a.completed));
  const childStarts = events.filter((e) => e.childWorkflowExecutionStartedEventAttributes).map(timeOf);
  const childEnds = events.filter((e) => e.childWorkflowExecutionCompletedEventAttributes).map(timeOf);
  const ends: Record<CyclePhase, number> = {
    scoring: lastCompleted('transformBatch'),
    explanation: lastCompleted('mergeExplanations'),
    selection: lastCompleted('selectRecords'),
    plots: lastCompleted('renderPlots'),
    tasksCreated: Math.max(...childStarts),
    verdicts: Math.max(...childEnds),
    groundTruth: lastCompleted('writeGroundTruth'),
    close: closed,
  };
  // A step that did not run (no record selected, so no plots and no tasks) takes no time.
  let previous = started;
  const phaseSeconds = {} as Record<CyclePhase, number>;
  for (const phase of cyclePhases) {
    const end = Math.max(previous, ends[phase]);
    phaseSeconds[phase] = (end - previous) / 1000;
    previous = end;
  }

  const oracle = activities.filter((a) => a.type === 'answerAsOracle');
  const answered = await Promise.all(
    oracle.map(async ({ scheduled, input }) => {
      const { taskWorkflowId } = input as { taskWorkflowId: string };
      const accepted = (await historyOf(client, taskWorkflowId)).find(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      );
      return { from: scheduled, to: accepted === undefined ? scheduled : timeOf(accepted) };
    }),
  );
  return {
    totalSeconds: (closed - started) / 1000,
    phaseSeconds,
    explanationChunks: activities.filter((a) => a.type === 'explainChunk').length,
    tasks: childStarts.length,
    oracleSeconds: coveredMs(answered) / 1000,
  };
}

/**
 * How many activity and workflow tasks each worker (by identity) started for the latest run of a cycle and for its
 * review tasks.
 */
export async function tasksByWorker(client: Client, workflowId: string): Promise<Map<string, number>> {
  const cycle = await historyOf(client, workflowId);
  const children = cycle
    .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
    .filter((id) => typeof id === 'string');
  const histories = [cycle, ...(await Promise.all(children.map((id) => historyOf(client, id))))];
  const counts = new Map<string, number>();
  for (const event of histories.flat()) {
    const started = event.activityTaskStartedEventAttributes ?? event.workflowTaskStartedEventAttributes;
    if (started?.identity) counts.set(started.identity, (counts.get(started.identity) ?? 0) + 1);
  }
  return counts;
}

async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

function timeOf(event: HistoryEvent): number {
  return tsToMs(event.eventTime);
}

interface ActivityTimes {
  type: string;
  input: unknown;
  scheduled: number;
  completed: number;
}

/** Every activity that completed, with its type, its first argument and when it was scheduled and completed. */
function activityTimes(events: HistoryEvent[]): ActivityTimes[] {
  const scheduled = new Map<string, Omit<ActivityTimes, 'completed'>>();
  const completed: ActivityTimes[] = [];
  for (const event of events) {
    const schedule = event.activityTaskScheduledEventAttributes;
    if (schedule) {
      const payload = schedule.input?.payloads?.[0];
      scheduled.set(String(event.eventId), {
        type: schedule.activityType?.name ?? '',
        input: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
        scheduled: timeOf(event),
      });
    }
    const done = event.activityTaskCompletedEventAttributes;
    const activity = done && scheduled.get(String(done.scheduledEventId));
    if (activity) completed.push({ ...activity, completed: timeOf(event) });
  }
  return completed;
}

/** The length of the union of the intervals. */
function coveredMs(intervals: { from: number; to: number }[]): number {
  let covered = 0;
  let reach = -Infinity;
  for (const { from, to } of [...intervals].sort((a, b) => a.from - b.from)) {
    if (to <= reach) continue;
    covered += to - Math.max(from, reach);
    reach = to;
  }
  return covered;
}
