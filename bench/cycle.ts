/**
 * The review cycle on a real Temporal dev server, with the oracle reviewer so that no batch waits for a person:
 * the overhead of one batch, the throughput over the incoming stream, and a worker's memory with many open tasks.
 */
import type { Client } from '@temporalio/client';
import { loadSplit } from '../domain/dataset.js';
import { startPipeline } from '../lib/pipeline-client.js';
import type { ReviewCycleSummary } from '../workflows/review-types.js';
import { cycleTimeline, tasksByWorker, type CycleTimeline } from './cycle-history.js';
import { countFromEnv, withCycleEnvironment } from './cycle-environment.js';

export { benchOpenTasks } from './open-tasks.js';

/** The overhead a 100-record batch may add to the reviewers' own time, on a warm worker. */
const OVERHEAD_TARGET_SECONDS = 3;
const OVERHEAD_RUNS = 3;
const BATCH_SIZE = 100;

/**
 * Batches per stream run unless `BENCH_STREAM_BATCHES` says otherwise (`all` runs the whole stream): enough for a
 * steady rate, few enough that both runs finish in a few minutes on two busy cores.
 */
const DEFAULT_STREAM_BATCHES = 10;

interface PipelineRun {
  workflowId: string;
  summary: ReviewCycleSummary;
  seconds: number;
  /** CPU time of this process (the in-process worker and the client) during the run. */
  cpuSeconds: number;
}

/** Runs a pipeline with the oracle reviewer until it stops, timed from its start request to its result. */
async function runPipeline(
  client: Client,
  pipelineId: string,
  batchSize: number,
  maxBatches?: number,
): Promise<PipelineRun> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const handle = await startPipeline(client, {
    pipelineId,
    config: { batchSize, review: { reviewer: 'oracle' } },
    maxBatches,
  });
  const summary = await handle.result();
  const { user, system } = process.cpuUsage(cpu);
  return {
    workflowId: handle.workflowId,
    summary,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (user + system) / 1e6,
  };
}

/**
 * One 100-record batch through every step on a warm worker, with its time split by step from the workflow
 * history. The overhead is the cycle's time less the time during which an oracle answer was on its way, which a
 * person's verdict would take. The median of three runs is reported.
 */
export async function benchCycleOverhead() {
  return withCycleEnvironment(async (env) => {
    await env.startWorker();
    await runPipeline(env.client, 'bench-warm-up', 10, 1);

    const runs: { run: PipelineRun; timeline: CycleTimeline; overhead: number }[] = [];
    for (let i = 1; i <= OVERHEAD_RUNS; i++) {
      const run = await runPipeline(env.client, `bench-overhead-${i}`, BATCH_SIZE, 1);
      const timeline = await cycleTimeline(env.client, run.workflowId);
      runs.push({ run, timeline, overhead: timeline.totalSeconds - timeline.oracleSeconds });
    }
    runs.sort((a, b) => a.overhead - b.overhead);
    const { run, timeline, overhead } = runs[Math.floor(runs.length / 2)]!;

    const phases = Object.entries(timeline.phaseSeconds).map(([phase, seconds]) => [`${phase}Seconds`, seconds]);
    return {
      name: 'cycle-overhead',
      runs: runs.length,
      records: run.summary.totals.scored,
      sentForReview: run.summary.totals.sentForReview,
      reviewTasks: timeline.tasks,
      explanationChunks: timeline.explanationChunks,
      wallSeconds: run.seconds,
      workerCpuSeconds: run.cpuSeconds,
      cycleSeconds: timeline.totalSeconds,
      ...Object.fromEntries(phases),
      oracleAnswerSeconds: timeline.oracleSeconds,
      overheadSeconds: overhead,
      overheadSecondsMin: runs[0]!.overhead,
      overheadSecondsMax: runs.at(-1)!.overhead,
      targetSeconds: OVERHEAD_TARGET_SECONDS,
      meetsTarget: overhead < OVERHEAD_TARGET_SECONDS,
    };
  });
}

/**
 * Records per second through the incoming stream, 100 records a batch, with the oracle reviewer: first with one
 * worker, then with a second one in a process of its own. Batches run one after another, so the second worker
 * helps only by taking explanation chunks, review tasks and their activities in parallel.
 */
export async function benchStreamThroughput() {
  const maxBatches = streamBatches();
  return withCycleEnvironment(async (env) => {
    await env.startWorker();
    await runPipeline(env.client, 'bench-warm-up-1', BATCH_SIZE, 1);
    const one = await runPipeline(env.client, 'bench-stream-1-worker', BATCH_SIZE, maxBatches);

    const second = await env.spawnWorker();
    await runPipeline(env.client, 'bench-warm-up-2', BATCH_SIZE, 1);
    const two = await runPipeline(env.client, 'bench-stream-2-workers', BATCH_SIZE, maxBatches);
    let tasksOfSecond = 0;
    let tasks = 0;
    for (const [identity, count] of await tasksByWorker(env.client, two.workflowId)) {
      tasks += count;
      if (identity.startsWith(`${second.pid}@`)) tasksOfSecond += count;
    }

    const rate = (run: PipelineRun) => run.summary.totals.scored / run.seconds;
    const streamRecords = loadSplit('stream').features.rows;
    return {
      name: 'stream-throughput',
      batches: one.summary.totals.batches,
      wholeStream: one.summary.stoppedBecause === 'stream-ended',
      records: one.summary.totals.scored,
      sentForReview: one.summary.totals.sentForReview,
      seconds1Worker: one.seconds,
      seconds2Workers: two.seconds,
      recordsPerSecond1Worker: rate(one),
      recordsPerSecond2Workers: rate(two),
      ratio2To1: rate(two) / rate(one),
      secondWorkerShareOfLastBatch: tasksOfSecond / tasks,
      wholeStreamRecords: streamRecords,
      projectedWholeStreamMinutes1Worker: streamRecords / rate(one) / 60,
      projectedWholeStreamMinutes2Workers: streamRecords / rate(two) / 60,
    };
  });
}

function streamBatches(): number | undefined {
  return process.env.BENCH_STREAM_BATCHES === 'all'
    ? undefined
    : countFromEnv('BENCH_STREAM_BATCHES', DEFAULT_STREAM_BATCHES);
}
