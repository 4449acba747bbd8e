/**
 * `npm start`: the local Temporal dev server with its Web UI, a worker, and the main job (see `main-job.ts`), until
 * Ctrl-C or until the pipeline has run the batches asked for.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { relative } from 'node:path';
import { InputError } from '../domain/errors.js';
import { startDevServer, type DevServer } from '../lib/dev-server.js';
import { logger } from '../lib/logger.js';
import { FileObjectStore } from '../lib/object-store.js';
import { registerSearchAttributes } from '../lib/search-attributes.js';
import { withReviewApp } from '../review-app/index.js';
import { createWorker } from '../workers/main.js';
import { installRuntime } from '../workers/runtime.js';
import { reviewCycleSearchAttributes, reviewCycleTaskQueue } from '../workflows/definitions.js';
import { runMainJob, type MainJobContext } from './main-job.js';
import { parseStartOptions, startUsage, type StartOptions } from './start-options.js';

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

  let report: string[] = [];
  try {
    const server = await startDevServer({ ...options, logFile: options.serverLogFile, signal: stopping.signal });
    try {
      printWhereToLook(server, options);
      report = await serve(server, options, stopping);
    } finally {
      await server.stop();
      if (!server.startedHere) console.log(`The Temporal server at ${server.address} was running before; it still is.`);
    }
  } catch (error) {
    if (error instanceof InputError) {
      console.error(`npm start: ${error.message}`);
      return 2;
    }
    // Ctrl-C while starting up interrupts the startup; anything else is a failure to report.
    if (!(stopping.signal.aborted && error instanceof Error && error.name === 'AbortError')) throw error;
  }
  console.log('Stopped.');
  for (const line of report) console.log(line);
  return 0;
}

/**
 * Runs the worker and the main job until either ends, or a signal arrives, then stops the worker. Returns what the
 * main job has left to print once everything has stopped.
 */
async function serve(server: DevServer, options: StartOptions, stopping: AbortController): Promise<string[]> {
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
    const store = new FileObjectStore();
    const worker = await createWorker({ connection: workerConnection, namespace: options.namespace, client, store });
    const running = worker.run();
    const finished = new AbortController();
    const signal = AbortSignal.any([stopping.signal, finished.signal]);
    const stopWorker = () => worker.getState() === 'RUNNING' && worker.shutdown();
    if (signal.aborted) stopWorker();
    signal.addEventListener('abort', stopWorker);

    const context: MainJobContext = {
      client,
      namespace: options.namespace,
      taskQueue: reviewCycleTaskQueue,
      store,
      uiUrl: server.uiUrl,
      signal,
      print: (line) => console.log(line),
    };
    if (!signal.aborted) console.log(`Worker polling task queue ${reviewCycleTaskQueue}. Press Ctrl-C to stop.`);
    const job = signal.aborted
      ? Promise.resolve([])
      : withReviewApp(client, store, () => runMainJobUntilStopped(context, options));
    await Promise.race([job, running]).catch(() => undefined);
    finished.abort();

    const [jobResult, workerResult] = await Promise.allSettled([job, running]);
    if (workerResult.status === 'rejected') throw workerResult.reason;
    if (jobResult.status === 'rejected') throw jobResult.reason;
    return jobResult.value;
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

/**
 * Runs the main job; when it asks to keep running, prints its report and waits for the signal. Returns the lines to
 * print once everything has stopped.
 */
async function runMainJobUntilStopped(context: MainJobContext, options: StartOptions): Promise<string[]> {
  const { keepRunning, report } = await runMainJob(context, options);
  if (!keepRunning) return report;
  for (const line of report) console.log(line);
  await untilAborted(context.signal);
  return [];
}

/** Resolves once the signal is aborted. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  logger.error({ err: error }, 'npm start failed');
  process.exitCode = 1;
}
