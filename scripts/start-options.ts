import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import { parseAddress } from '../lib/dev-server.js';
import { temporalTargetFromEnv } from '../lib/temporal-config.js';
import { projectRoot } from '../lib/tools.js';

/** What `npm start` runs against. */
export interface StartOptions {
  /** `host:port` of the Temporal frontend. */
  address: string;
  namespace: string;
  uiPort: number;
  dbFilename: string;
  serverLogFile: string;
}

export const startUsage = `Usage: npm start -- [options]

Starts the Temporal dev server (unless one already listens at the address), its Web UI and a worker,
then runs the main job. Ctrl-C stops the worker, then the server.

Options:
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
  };
}

function portNumber(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(`'${text}' is not a port number`, { field: flag }, 'Give a number from 1 to 65535');
  }
  return port;
}
