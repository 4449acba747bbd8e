/**
 * What the review-cycle benchmarks run on: a Temporal dev server of their own (temporary database, free ports), an
 * object store in a temporary folder whose registry holds a real model as `current`, and workers, either in this
 * process or as separate `workers/main.ts` processes pointed at the same server and store.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { InputError } from '../domain/errors.js';
import { freePort, startDevServer, type DevServer } from '../lib/dev-server.js';
import { logger } from '../lib/logger.js';
import { ModelRegistry, type ModelVersion } from '../lib/model-registry.js';
import { FileObjectStore } from '../lib/object-store.js';
import { registerSearchAttributes } from '../lib/search-attributes.js';
import { trainModel, type TrainingMetrics } from '../lib/training.js';
import { sharedWorkflowBundle } from '../lib/workflow-bundle.js';
import { createWorker } from '../workers/main.js';
import { installRuntime } from '../workers/runtime.js';
import { reviewCycleSearchAttributes, reviewCycleTaskQueue } from '../workflows/definitions.js';
import { BENCH_DIR, ROOT } from './fixtures.js';

// Benchmarks print figures, not the worker's routine log.
if (process.env.LOG_LEVEL === undefined) logger.level = 'warn';

const namespace = 'default';
const MODEL_DIR = join(BENCH_DIR, 'cycle-model');
const WORKER_READY_TIMEOUT_MS = 120_000;
const WORKER_STOP_TIMEOUT_MS = 30_000;

/** A worker that runs until stopped. */
export interface RunningWorker {
  /** The process the worker runs in. */
  pid: number;
  stop(): Promise<void>;
}

/** A dev server, a client of it, and an object store with a current model, all removed by {@link stop}. */
export interface CycleEnvironment {
  address: string;
  client: Client;
  store: FileObjectStore;
  /** The folder of {@link store}, for worker processes. */
  objectsDir: string;
  /** Runs a worker in this process. */
  startWorker(): Promise<RunningWorker>;
  /** Runs `workers/main.ts` as a process of its own; resolves once it polls the task queue. */
  spawnWorker(): Promise<RunningWorker>;
  stop(): Promise<void>;
}

/** Runs `work` in a fresh {@link CycleEnvironment} and removes the environment afterwards. */
export async function withCycleEnvironment<T>(work: (env: CycleEnvironment) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'review-cycle-bench-'));
  let server: DevServer | undefined;
  let env: CycleEnvironment | undefined;
  try {
    server = await startDevServer({
      address: `127.0.0.1:${await freePort()}`,
      namespace,
      uiPort: await freePort(),
      dbFilename: join(dir, 'temporal.sqlite'),
      logFile: join(dir, 'temporal-server.log'),
    });
    env = await openEnvironment(server.address, join(dir, 'objects'));
    return await work(env);
  } finally {
    await env?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function openEnvironment(address: string, objectsDir: string): Promise<CycleEnvironment> {
  installRuntime();
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(connection, namespace, reviewCycleSearchAttributes);
  const client = new Client({ connection, namespace });
  const store = new FileObjectStore(objectsDir);
  await registerBenchModel(store);

  const nativeConnection = await NativeConnection.connect({ address });
  const workers = new Set<RunningWorker>();
  const track = (worker: RunningWorker): RunningWorker => {
    workers.add(worker);
    const stop = async () => {
      workers.delete(worker);
      await worker.stop();
    };
    return { pid: worker.pid, stop };
  };
  return {
    address,
    client,
    store,
    objectsDir,
    startWorker: async () => {
      const worker = await createWorker({
        connection: nativeConnection,
        namespace,
        client,
        store,
        workflowBundle: await sharedWorkflowBundle(),
      });
      return track(runInProcess(worker));
    },
    spawnWorker: async () => track(await spawnWorkerProcess(client, address, objectsDir)),
    stop: async () => {
      await Promise.all([...workers].map((worker) => worker.stop()));
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/**
 * The model trained by the real library with the default hyperparameters, as `model.json` and `metrics.json`. It is
 * trained once and kept under `.data/bench/cycle-model`.
 */
async function benchModelFiles(): Promise<{ modelPath: string; metricsPath: string }> {
  const files = { modelPath: join(MODEL_DIR, 'model.json'), metricsPath: join(MODEL_DIR, 'metrics.json') };
  if (!existsSync(files.modelPath) || !existsSync(files.metricsPath)) await trainModel({ outDir: MODEL_DIR });
  return files;
}

/** The XGBoost JSON of the benchmark model. */
export async function benchModelJson(): Promise<string> {
  return readFile((await benchModelFiles()).modelPath, 'utf8');
}

/** Registers the benchmark model in the store and makes it `current`. */
export async function registerBenchModel(store: FileObjectStore): Promise<ModelVersion> {
  const { modelPath, metricsPath } = await benchModelFiles();
  const metrics = JSON.parse(await readFile(metricsPath, 'utf8')) as TrainingMetrics;
  const registry = new ModelRegistry(store);
  const registered = await registry.register({ model: await readFile(modelPath), metrics, reason: 'initial' });
  await registry.setCurrent(registered.version);
  return registered;
}

function runInProcess(worker: Worker): RunningWorker {
  const running = worker.run();
  return {
    pid: process.pid,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

async function spawnWorkerProcess(client: Client, address: string, objectsDir: string): Promise<RunningWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'workers/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      REVIEW_CYCLE_OBJECTS: objectsDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  const pid = child.pid!;
  const deadline = Date.now() + WORKER_READY_TIMEOUT_MS;
  while (!(await polls(client, pid))) {
    if (child.exitCode !== null) throw new Error(`The worker process exited (${child.exitCode}):\n${stderr}`);
    if (Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`The worker process ${pid} did not poll ${reviewCycleTaskQueue} in time:\n${stderr}`);
    }
    await delay(250);
  }
  return { pid, stop: () => stopProcess(child) };
}

/** Whether the process polls the task queue: a worker's identity starts with its `pid@`. */
async function polls(client: Client, pid: number): Promise<boolean> {
  // Without a task queue type, the server describes the workflow task queue, which a worker polls from its start.
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: reviewCycleTaskQueue },
  });
  return (pollers ?? []).some((poller) => poller.identity?.startsWith(`${pid}@`));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if ((await Promise.race([exited, delay(WORKER_STOP_TIMEOUT_MS, 'timeout')])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The resident set of a process in MB, now and at its peak, from /proc (Linux). */
export async function residentMegabytes(pid: number): Promise<{ now: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { now: kilobytes('VmRSS') / 1024, peak: kilobytes('VmHWM') / 1024 };
}

/** The CPU time a process has used so far, user and system, in seconds, from /proc (Linux: 100 ticks a second). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which may hold spaces, start with the state (field 3); utime is field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A benchmark setting: the whole number of at least 1 in the environment variable `name`, else `fallback`. */
export function countFromEnv(name: string, fallback: number): number {
  const setting = process.env[name];
  if (setting === undefined || setting === '') return fallback;
  const count = Number(setting);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new InputError(`is '${setting}'`, { field: name }, 'Give a whole number of at least 1');
  }
  return count;
}
