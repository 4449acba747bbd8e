import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { InputError } from '../domain/errors.js';
import { logger } from './logger.js';
import { temporalCli } from './tools.js';

/** How to run the local Temporal dev server. */
export interface DevServerOptions {
  /** `host:port` of the frontend; the host must be this machine when no server listens there yet. */
  address: string;
  /** Created at launch when it is not `default`. */
  namespace: string;
  /** Port of the Web UI, on the frontend's host. */
  uiPort: number;
  /** SQLite file that keeps workflow histories across restarts. */
  dbFilename: string;
  /** The server's own log, rewritten on every start. */
  logFile: string;
  /** Stops waiting for the server to come up; the server is then stopped. */
  signal?: AbortSignal;
}

/** A running dev server, either started here or found already listening. */
export interface DevServer {
  address: string;
  /** Where the Web UI answers, if it does. */
  uiUrl: string | undefined;
  /** False when another process owns the server, which {@link stop} then leaves running. */
  startedHere: boolean;
  stop(): Promise<void>;
}

const localHosts = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0']);
const startTimeoutMs = 120_000;
const reuseTimeoutMs = 15_000;
const uiTimeoutMs = 30_000;
const stopTimeoutMs = 15_000;

/**
 * Starts `temporal server start-dev` with a persistent SQLite file and the Web UI, and resolves once its frontend
 * answers for the namespace. A server already listening at the address is reused as it is.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { host, port } = parseAddress(options.address);
  const uiHost = host === '0.0.0.0' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const uiUrl = `http://${uiHost}:${options.uiPort}`;

  if (await isListening(host, port)) {
    const ready = () => describesNamespace(options.address, options.namespace);
    if (!(await pollUntil(ready, reuseTimeoutMs, options.signal))) {
      throw new Error(
        `Something listens at ${options.address} but does not answer as a Temporal server with namespace ` +
          `${options.namespace}. Stop it, or choose another port with --port`,
      );
    }
    logger.info({ address: options.address }, 'Reusing the Temporal server already listening');
    const reachableUi = (await answers(uiUrl)) ? uiUrl : undefined;
    return { address: options.address, uiUrl: reachableUi, startedHere: false, stop: async () => {} };
  }
  if (!localHosts.has(host)) {
    throw new Error(
      `No Temporal server answers at ${options.address}, and a dev server can only be started on this machine. ` +
        'Start a server there, or point TEMPORAL_ADDRESS at localhost',
    );
  }

  const child = spawnServer(options, host, port);
  const ready = async () => {
    const problem = exitProblem(child, options.logFile);
    if (problem !== undefined) throw new Error(problem);
    return describesNamespace(options.address, options.namespace);
  };
  try {
    if (!(await pollUntil(ready, startTimeoutMs, options.signal))) {
      throw new Error(`The Temporal dev server at ${options.address} did not become ready; see ${options.logFile}`);
    }
    if (!(await pollUntil(() => answers(uiUrl), uiTimeoutMs, options.signal))) {
      logger.warn({ uiUrl, logFile: options.logFile }, 'The Temporal Web UI does not answer yet');
    }
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  logger.info(
    { address: options.address, serverPid: child.pid, db: options.dbFilename },
    'Temporal dev server started',
  );
  return { address: options.address, uiUrl, startedHere: true, stop: () => stopProcess(child) };
}

function spawnServer(options: DevServerOptions, host: string, port: number): ChildProcess {
  mkdirSync(dirname(options.dbFilename), { recursive: true });
  mkdirSync(dirname(options.logFile), { recursive: true });
  const args = ['server', 'start-dev', '--db-filename', options.dbFilename, '--ip', host, '--port', String(port)];
  args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch', '--log-level', 'warn');
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  // A write-ahead log synced at checkpoints: a transaction no longer waits for its own fsync. What the server has
  // committed survives its crash; only a power loss can take back the last moments, and verdicts are in the object
  // store as well.
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');

  // Its own process group keeps a terminal's Ctrl-C from reaching the server before the worker has stopped.
  const log = openSync(options.logFile, 'w');
  const child = spawn(temporalCli(), args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.once('error', (error) => logger.error({ err: error }, 'Could not run the Temporal CLI'));

  // The last resort when this process exits without stopping the server: never leave it running unseen.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  return child;
}

/** Calls `check` until it returns true (then true) or the time is up (then false). */
async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await delay(250, undefined, { signal });
  }
}

async function describesNamespace(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '2s' });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

function exitProblem(child: ChildProcess, logFile: string): string | undefined {
  if (child.exitCode === null && child.signalCode === null) return undefined;
  const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
  return `temporal server start-dev exited (${child.exitCode ?? child.signalCode}); the end of ${logFile}:\n${tail}`;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timeout = delay(stopTimeoutMs, 'timeout', { ref: false });
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    logger.warn({ serverPid: child.pid }, 'The Temporal server did not stop in time; killing it');
    child.kill('SIGKILL');
    await exited;
  }
  logger.info({ serverPid: child.pid }, 'Temporal dev server stopped');
}

/** Splits `host:port`, including `[::1]:7233`. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!match || match[1] === '') {
    throw new InputError(
      `the Temporal address '${address}' is not host:port`,
      {},
      'Set TEMPORAL_ADDRESS to e.g. localhost:7233',
    );
  }
  return { host: match[1], port: Number(match[2]) };
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    const settle = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** A TCP port on the loopback address that nothing listens on at the moment. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('No TCP port to listen on');
  return address.port;
}
