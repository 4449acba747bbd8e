/**
 * `npm start`: the local Temporal dev server with its Web UI, a worker, and the main job, until Ctrl-C.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { relative } from 'node:path';
import { InputError } from '../domain/errors.js';
import { startDevServer, type DevServer } from '../lib/dev-server.js';
import { logger } from '../lib/logger.js';
import { registerSearchAttributes } from '../lib/search-attributes.js';
import { createWorker } from '../workers/main.js';
import { installRuntime } from '../workers/runtime.js';
import { reviewCycleSearchAttributes, reviewCycleTaskQueue } from '../workflows/definitions.js';
import { TrainModelWorkflow } from '../workflows/index.js';
import { parseStartOptions, startUsage, type StartOptions } from './start-options.js';

/** What the main job gets once the server and the worker are up. */
export interface MainJobContext {
  client: Client;
  taskQueue: string;
  /** Aborted on Ctrl-C or SIGTERM, and when the worker fails. */
  signal: AbortSignal;
}

/** Whether `npm start` keeps the server and worker up after the main job, until Ctrl-C, or stops at once. */
export type MainJobOutcome = 'keep-running' | 'exit';

/**
 * The main job of `npm start`: makes sure the registry has a current model, training the first one with XGBoost
 * when it is empty, as a workflow the Web UI shows.
 */
async function runMainJob({ client, taskQueue, signal }: MainJobContext): Promise<MainJobOutcome> {
  const handle = await client.workflow.start(TrainModelWorkflow, {
    taskQueue,
    workflowId: `train-first-model-${new Date().toISOString()}`,
    args: [{ reason: 'initial', onlyIfEmpty: true }],
    staticSummary: 'Train the first model when the registry has none',
  });
  console.log(`Checking for a current model (workflow ${handle.workflowId})...`);
  const model = await Promise.race([handle.result(), untilAborted(signal)]);
  if (model === undefined) return 'exit';

  const auc = model.holdoutAuc === null ? 'n/a' : model.holdoutAuc.toFixed(3);
  console.log(`Current model: ${model.version} (AUC ${auc} on the holdout)`);
  return 'keep-running';
}

async function main(argv: string[]): Promise<number> {
  let options: StartOptions | undefined;
  try {
    options = parseStartOptions(argv);
  } catch (error) {
    if (!(error instanceof InputError || (error instanceof TypeError && 'code' in error))) throw error;
    console.error(`npm start: ${error.message}\n\n${startUsage}`);
    return 2;
  }
  if (options === undefined) {
    console.log(startUsage);
    return 0;
  }

  const stopping = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) return;
    console.log(`\n${signal}: stopping`);
    stopping.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const server = await startDevServer({ ...options, logFile: options.serverLogFile, signal: stopping.signal });
    try {
      printWhereToLook(server, options);
      await serve(server, options, stopping);
    } finally {
      await server.stop();
      if (!server.startedHere) console.log(`The Temporal server at ${server.address} was running before; it still is.`);
    }
  } catch (error) {
    // Ctrl-C while starting up interrupts the startup; anything else is a failure to report.
    if (!(stopping.signal.aborted && error instanceof Error && error.name === 'AbortError')) throw error;
  }
  console.log('Stopped.');
  return 0;
}

/** Runs the worker and the main job until either ends, or a signal arrives, then stops the worker. */
async function serve(server: DevServer, options: StartOptions, stopping: AbortController): Promise<void> {
  // Signals are handled here rather than by the SDK, so that the worker stops before the server. The runtime is
  // installed only now because, once installed, it keeps the process alive until its last connection closes.
  installRuntime([]);
  const connection = await Connection.connect({ address: server.address });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  try {
    const added = await registerSearchAttributes(connection, options.namespace, reviewCycleSearchAttributes);
    if (added.length > 0) logger.info({ added, namespace: options.namespace }, 'Registered search attributes');

    // A created worker holds the runtime until it has run and shut down, even when a signal came first.
    const client = new Client({ connection, namespace: options.namespace });
    const worker = await createWorker({ connection: workerConnection, namespace: options.namespace, client });
    const running = worker.run();
    const finished = new AbortController();
    const signal = AbortSignal.any([stopping.signal, finished.signal]);
    const stopWorker = () => worker.getState() === 'RUNNING' && worker.shutdown();
    if (signal.aborted) stopWorker();
    signal.addEventListener('abort', stopWorker);

    const context = { client, taskQueue: reviewCycleTaskQueue, signal };
    if (!signal.aborted) console.log(`Worker polling task queue ${reviewCycleTaskQueue}. Press Ctrl-C to stop.`);
    const job = signal.aborted ? Promise.resolve() : runMainJobUntilStopped(context);
    await Promise.race([job, running]).catch(() => undefined);
    finished.abort();

    const [jobResult, workerResult] = await Promise.allSettled([job, running]);
    if (workerResult.status === 'rejected') throw workerResult.reason;
    if (jobResult.status === 'rejected') throw jobResult.reason;
  } finally {
    await workerConnection.close();
    await connection.close();
  }
}

function printWhereToLook(server: DevServer, options: StartOptions): void {
  const db = relative(process.cwd(), options.dbFilename);
  const owner = server.startedHere
    ? `histories kept in ${db.startsWith('..') ? options.dbFilename : db}`
    : 'already running, reused';
  console.log(`Temporal server: ${server.address}, namespace ${options.namespace} (${owner})`);
  console.log(
    server.uiUrl === undefined
      ? `Temporal Web UI: none answers at port ${options.uiPort} of the running server`
      : `Temporal Web UI: ${server.uiUrl}`,
  );
}

/** Runs the main job, then, unless it asks to exit, waits for the signal. */
async function runMainJobUntilStopped(context: MainJobContext): Promise<void> {
  if ((await runMainJob(context)) === 'keep-running') await untilAborted(context.signal);
}

/** Resolves, to undefined, once the signal is aborted. */
function untilAborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  logger.error({ err: error }, 'npm start failed');
  process.exitCode = 1;
}
