import { Client, Connection } from '@temporalio/client';
import { parseAddress } from '../lib/dev-server.js';
import { temporalTargetFromEnv } from '../lib/temporal-config.js';
import { NoWorkerError } from '../lib/workflow-lookup.js';
import { CommandFailure } from './command-failure.js';

/**
 * Runs `fn` with a client of the server that TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE name (`localhost:7233`,
 * `default` when unset), and closes the connection after it.
 */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const { address, namespace } = temporalTargetFromEnv();
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
  } catch (error) {
    throw new CommandFailure(
      `cannot reach the Temporal server at ${address} (${(error as Error).message}). ` +
        'Start it with `npm start`, or point TEMPORAL_ADDRESS at a running one',
    );
  }
  try {
    return await fn(new Client({ connection, namespace }));
  } catch (error) {
    if (error instanceof NoWorkerError) throw new CommandFailure(error.message);
    throw error;
  } finally {
    await connection.close();
  }
}

/**
 * The Web UI page of a workflow, on the host of TEMPORAL_ADDRESS at TEMPORAL_UI_PORT, else the frontend port + 1000
 * (where `npm start` and `temporal server start-dev` serve it).
 */
export function workflowUrl(workflowId: string, env: NodeJS.ProcessEnv = process.env): string {
  const { address, namespace } = temporalTargetFromEnv(env);
  const { host, port } = parseAddress(address);
  const uiHost = host === '0.0.0.0' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const uiPort = env.TEMPORAL_UI_PORT || String(port + 1000);
  return `http://${uiHost}:${uiPort}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
