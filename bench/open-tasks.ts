/**
 * A worker's memory with many review tasks open at once: the tasks are started directly, 3 realistic records each,
 * on one worker in a process of its own, and wait on their reminder timers while the worker's RSS is sampled.
 */
import type { Client } from '@temporalio/client';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { NOTIFICATIONS_PREFIX } from '../activities/local/notifications.js';
import { reviewCycleTaskQueue } from '../workflows/definitions.js';
import type { HumanReviewWorkflow } from '../workflows/human-review.js';
import type { HumanReviewInput } from '../workflows/review-types.js';
import {
  benchModelJson,
  countFromEnv,
  cpuSeconds,
  residentMegabytes,
  withCycleEnvironment,
} from './cycle-environment.js';
import { reviewRecords } from './review-records.js';

const RSS_TARGET_MB = 500;
const RECORDS_PER_TASK = 3;
/** Start requests in flight at once. */
const CONCURRENT_REQUESTS = 50;
const SAMPLE_EVERY_MS = 200;
/** How long the worker is watched once every task waits on its timer. */
const SETTLE_MS = 10_000;
const OPEN_TIMEOUT_MS = 10 * 60_000;

/** `BENCH_OPEN_TASKS` tasks (1,000 unless set) open at once on one worker process; its peak RSS against 500 MB. */
export async function benchOpenTasks() {
  const count = countFromEnv('BENCH_OPEN_TASKS', 1000);
  const records = reviewRecords(await benchModelJson(), count * RECORDS_PER_TASK);
  const inputs = Array.from({ length: count }, (_, t) =>
    taskInput(t, records.slice(t * RECORDS_PER_TASK, (t + 1) * RECORDS_PER_TASK)),
  );

  return withCycleEnvironment(async (env) => {
    const worker = await env.spawnWorker();
    const idle = await residentMegabytes(worker.pid);
    const idleCpu = await cpuSeconds(worker.pid);
    const sampler = new RssSampler(worker.pid);
    try {
      const started = performance.now();
      await forEachAtOnce(inputs, CONCURRENT_REQUESTS, (input) =>
        env.client.workflow.start<typeof HumanReviewWorkflow>('HumanReviewWorkflow', {
          taskQueue: reviewCycleTaskQueue,
          workflowId: input.taskId,
          args: [input],
        }),
      );
      const startedSeconds = (performance.now() - started) / 1000;
      await waitForNotifications(join(env.objectsDir, NOTIFICATIONS_PREFIX), count);
      const notifiedSeconds = (performance.now() - started) / 1000;
      const waiting = await waitingOnTimers(
        env.client,
        inputs.map((input) => input.taskId),
      );
      const openSeconds = (performance.now() - started) / 1000;
      const openCpu = (await cpuSeconds(worker.pid)) - idleCpu;
      await delay(SETTLE_MS);
      const settled = await residentMegabytes(worker.pid);

      await forEachAtOnce(inputs, CONCURRENT_REQUESTS, (input) =>
        env.client.workflow.getHandle(input.taskId).terminate('Benchmark finished'),
      );
      const peak = Math.max(sampler.peak, settled.now);
      return {
        name: 'open-tasks',
        tasks: count,
        recordsPerTask: RECORDS_PER_TASK,
        inputKilobytesPerTask: JSON.stringify(inputs[0]).length / 1024,
        waitingOnTimer: waiting,
        secondsToStart: startedSeconds,
        secondsToNotify: notifiedSeconds,
        secondsToOpenAll: openSeconds,
        workerCpuSecondsToOpenAll: openCpu,
        idleRssMb: idle.now,
        startupPeakRssMb: idle.peak,
        openRssMb: settled.now,
        peakRssMbWithTasksOpen: peak,
        lifetimePeakRssMb: settled.peak,
        targetMb: RSS_TARGET_MB,
        meetsTarget: settled.peak < RSS_TARGET_MB,
      };
    } finally {
      sampler.stop();
    }
  });
}

function taskInput(index: number, records: HumanReviewInput['records']): HumanReviewInput {
  return {
    taskId: `review-task-bench-open-tasks-${String(index + 1).padStart(4, '0')}`,
    pipelineId: 'bench-open-tasks',
    batchId: `stream-${String(Math.floor(index / 25)).padStart(4, '0')}`,
    modelVersion: 'v0001',
    threshold: 0.5,
    records,
    remindAfter: '1 day',
    expireAfter: '7 days',
    groups: [],
  };
}

/** Calls `work` on every item, with at most `limit` calls in flight. */
async function forEachAtOnce<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

/** Each task notifies its reviewers once it has started, then waits; every notification is a file of its own. */
async function waitForNotifications(folder: string, count: number): Promise<void> {
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  for (;;) {
    const tasks = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const sent = await Promise.all(
      tasks.map(async (task) => (await readdir(join(folder, task.name))).some((name) => !name.startsWith('.'))),
    );
    if (sent.filter(Boolean).length >= count) return;
    if (Date.now() > deadline) throw new Error(`Only ${sent.filter(Boolean).length} of ${count} tasks notified`);
    await delay(500);
  }
}

/** How many of the tasks have started their timer, checked until all have or their histories stop changing. */
async function waitingOnTimers(client: Client, workflowIds: string[]): Promise<number> {
  let pending = workflowIds;
  for (let pass = 0; pass < 10 && pending.length > 0; pass++) {
    if (pass > 0) await delay(1000);
    const waiting = new Set<string>();
    await forEachAtOnce(pending, 20, async (workflowId) => {
      const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
      if ((events ?? []).some((event) => event.timerStartedEventAttributes)) waiting.add(workflowId);
    });
    pending = pending.filter((workflowId) => !waiting.has(workflowId));
  }
  return workflowIds.length - pending.length;
}

/** The highest VmRSS of a process, sampled until stopped. */
class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number) {
    this.timer = setInterval(() => {
      residentMegabytes(pid).then(
        ({ now }) => (this.peak = Math.max(this.peak, now)),
        () => undefined,
      );
    }, SAMPLE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
