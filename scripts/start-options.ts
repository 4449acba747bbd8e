import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import { parseAddress } from '../lib/dev-server.js';
import { temporalTargetFromEnv } from '../lib/temporal-config.js';
import { projectRoot } from '../lib/tools.js';
import type { MainJobOptions } from './main-job.js';

/** What `npm start` runs against, and the pipeline it runs. */
export interface StartOptions extends MainJobOptions {
  /** `host:port` of the Temporal frontend. */
  address: string;
  namespace: string;
  uiPort: number;
  dbFilename: string;
  serverLogFile: string;
}

export const startUsage = `Usage: npm start -- [options]

Starts the Temporal dev server (unless one already listens at the address), its Web UI and a worker,
makes sure the registry has a current model, then runs a review pipeline over the incoming stream with it.
A pipeline that is already running is attached to; one that stopped continues with its next batch.
Ctrl-C stops the worker, then the server; the pipeline stays open in Temporal.

Options:
  --pipeline ID       pipeline id (default: main)
  --reviewer KIND     human: review tasks wait for people (default); oracle: every task is answered from the
                      true labels, agreeing where the model was right
  --batches N         stop after N batches, print a summary and exit (default: run until the stream ends)
  --batch-size N      records per batch of a new pipeline (default: 100; a pipeline keeps its size)
  --port N            frontend port of the dev server (default: the port of TEMPORAL_ADDRESS, else 7233)
  --ui-port N         Web UI port (default: TEMPORAL_UI_PORT, else the frontend port + 1000)
  --namespace NAME    Temporal namespace (default: TEMPORAL_NAMESPACE, else default)
  --db-filename FILE  SQLite file that keeps workflow histories (default: .data/temporal.sqlite)
  -h, --help          show this help`;

/** Reads `npm start`'s flags, falling back on the environment; undefined when help was asked for. */
export function parseStartOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): StartOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      namespace: { type: 'string' },
      'db-filename': { type: 'string' },
      pipeline: { type: 'string' },
      reviewer: { type: 'string' },
      batches: { type: 'string' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;

  const target = temporalTargetFromEnv(env);
  const { host, port: envPort } = parseAddress(target.address);
  const port = values.port === undefined ? envPort : portNumber(values.port, '--port');
  const uiPortText = values['ui-port'] ?? env.TEMPORAL_UI_PORT;
  const uiPort = uiPortText === undefined ? port + 1000 : portNumber(uiPortText, '--ui-port');
  const dataDir = join(projectRoot, '.data');
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace: values.namespace ?? target.namespace,
    uiPort,
    dbFilename: values['db-filename'] ?? join(dataDir, 'temporal.sqlite'),
    serverLogFile: join(dataDir, 'temporal-server.log'),
    pipelineId: pipelineId(values.pipeline ?? 'main'),
    reviewer: reviewer(values.reviewer ?? 'human'),
    ...(values.batches !== undefined && { batches: positiveCount(values.batches, '--batches') }),
    ...(values['batch-size'] !== undefined && { batchSize: positiveCount(values['batch-size'], '--batch-size') }),
  };
}

function portNumber(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(`'${text}' is not a port number`, { field: flag }, 'Give a number from 1 to 65535');
  }
  return port;
}

/** Pipeline ids name workflows and object-store folders: letters, digits, `.`, `_` and `-`, not starting with `.`. */
function pipelineId(text: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(text)) {
    throw new InputError(
      `'${text}' is not a pipeline id`,
      { field: '--pipeline' },
      'Use up to 64 letters, digits, dots, underscores and dashes, not starting with a dot',
    );
  }
  return text;
}

function reviewer(text: string): MainJobOptions['reviewer'] {
  if (text === 'human' || text === 'oracle') return text;
  throw new InputError(`'${text}' is not a reviewer`, { field: '--reviewer' }, 'Give human or oracle');
}

function positiveCount(text: string, flag: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count) || count < 1) {
    throw new InputError(`'${text}' is not a whole number of at least 1`, { field: flag }, 'Give a number such as 3');
  }
  return count;
}
