import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startDevServer, type DevServerOptions } from '../lib/dev-server.js';
import { registerSearchAttributes } from '../lib/search-attributes.js';
import { reviewCycleSearchAttributes } from '../workflows/definitions.js';
import { pingWorkflow } from '../workflows/index.js';
import { uniqueId, withWorker } from './helpers/temporal.js';

async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

async function runPing(address: string, workflowId: string): Promise<void> {
  const taskQueue = uniqueId('dev-server');
  const nativeConnection = await NativeConnection.connect({ address });
  try {
    await withConnection(address, (connection) =>
      withWorker({ nativeConnection, namespace: 'default' }, taskQueue, () =>
        new Client({ connection }).workflow.execute(pingWorkflow, {
          taskQueue,
          workflowId,
          args: [{ message: 'kept' }],
        }),
      ),
    );
  } finally {
    await nativeConnection.close();
  }
}

async function workflowStatus(address: string, workflowId: string): Promise<string> {
  return withConnection(address, async (connection) => {
    const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    return description.status.name;
  });
}

async function registeredNames(address: string): Promise<string[]> {
  return withConnection(address, async (connection) => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.keys(customAttributes ?? {});
  });
}

describe('the dev server of npm start', () => {
  let dir: string;
  let options: DevServerOptions;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'review-cycle-dev-server-'));
    options = {
      address: `127.0.0.1:${await freePort()}`,
      namespace: 'default',
      uiPort: await freePort(),
      dbFilename: join(dir, 'temporal.sqlite'),
      logFile: join(dir, 'server.log'),
    };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the Web UI, reuses a server already running, and keeps histories across restarts', async () => {
    const workflowId = uniqueId('ping');
    const first = await startDevServer(options);
    try {
      assert.equal(first.startedHere, true);
      assert.equal(first.uiUrl, `http://127.0.0.1:${options.uiPort}`);
      assert.equal((await fetch(first.uiUrl)).ok, true);
      await withConnection(first.address, (connection) =>
        registerSearchAttributes(connection, options.namespace, reviewCycleSearchAttributes),
      );
      await runPing(first.address, workflowId);

      const second = await startDevServer(options);
      assert.equal(second.startedHere, false);
      assert.equal(second.uiUrl, first.uiUrl);
      await second.stop();
      assert.equal(await workflowStatus(first.address, workflowId), 'COMPLETED', 'the reused server still runs');
    } finally {
      await first.stop();
    }

    const restarted = await startDevServer(options);
    try {
      assert.equal(restarted.startedHere, true);
      assert.equal(await workflowStatus(restarted.address, workflowId), 'COMPLETED');
      const names = await registeredNames(restarted.address);
      for (const key of reviewCycleSearchAttributes) assert.ok(names.includes(key.name), `${key.name} is registered`);
    } finally {
      await restarted.stop();
    }
  });
});
