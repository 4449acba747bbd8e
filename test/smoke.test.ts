import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { registerSearchAttributes } from '../lib/search-attributes.js';
import {
  batchIdSearchAttribute,
  modelVersionSearchAttribute,
  pendingReviewsSearchAttribute,
  reviewCycleSearchAttributes,
  reviewStatusSearchAttribute,
} from '../workflows/definitions.js';
import { pingWorkflow } from '../workflows/index.js';
import { startLocalEnvironment, startTimeSkippingEnvironment, uniqueId, withWorker } from './helpers/temporal.js';

const thirtyDaysMs = 30 * 24 * 60 * 60 * 1000;

/** Workflow ids a visibility query finds, once the server's visibility store has caught up with the writes. */
async function listedIds(client: Client, query: string): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const ids: string[] = [];
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length > 0 || attempt === 50) return ids;
    await delay(200);
  }
}

describe('on a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startLocalEnvironment();
  });
  after(async () => {
    await env?.teardown();
  });

  it('runs the ping workflow, whose activity runs on the worker', async () => {
    const taskQueue = uniqueId('smoke');
    const result = await withWorker(env, taskQueue, () =>
      env.client.workflow.execute(pingWorkflow, {
        taskQueue,
        workflowId: uniqueId('ping'),
        args: [{ message: 'hello' }],
      }),
    );

    assert.equal(result.message, 'hello');
    assert.equal(result.host.pid, process.pid);
    assert.equal(result.host.taskQueue, taskQueue);
    assert.equal(result.pausedMs, 0);
  });

  it('has the search attributes registered, so workflows carry them and queries find them', async () => {
    const taskQueue = uniqueId('smoke');
    const workflowId = uniqueId('ping');
    const batchId = uniqueId('batch');
    const handle = await env.client.workflow.start(pingWorkflow, {
      taskQueue,
      workflowId,
      args: [{ message: 'tagged' }],
      typedSearchAttributes: [
        { key: batchIdSearchAttribute, value: batchId },
        { key: modelVersionSearchAttribute, value: 'model-0001' },
        { key: reviewStatusSearchAttribute, value: 'PENDING' },
        { key: pendingReviewsSearchAttribute, value: 3 },
      ],
    });
    await withWorker(env, taskQueue, () => handle.result());

    const attributes = (await handle.describe()).typedSearchAttributes;
    assert.equal(attributes.get(batchIdSearchAttribute), batchId);
    assert.equal(attributes.get(modelVersionSearchAttribute), 'model-0001');
    assert.equal(attributes.get(reviewStatusSearchAttribute), 'PENDING');
    assert.equal(attributes.get(pendingReviewsSearchAttribute), 3);
    assert.deepEqual(await listedIds(env.client, `BatchId = '${batchId}' AND PendingReviews = 3`), [workflowId]);
  });

  it('registers missing search attributes once, and refuses a known name with another type', async () => {
    const namespace = env.namespace ?? 'default';
    const extra = defineSearchAttributeKey('SmokeMarker', SearchAttributeType.KEYWORD);

    assert.deepEqual(await registerSearchAttributes(env.connection, namespace, reviewCycleSearchAttributes), []);
    assert.deepEqual(await registerSearchAttributes(env.connection, namespace, [extra]), ['SmokeMarker']);
    assert.deepEqual(await registerSearchAttributes(env.connection, namespace, [extra]), []);

    const wrongType = defineSearchAttributeKey('BatchId', SearchAttributeType.INT);
    await assert.rejects(registerSearchAttributes(env.connection, namespace, [wrongType]), /BatchId \(wanted INT\)/);
  });
});

describe('on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await startTimeSkippingEnvironment();
  });
  after(async () => {
    await env?.teardown();
  });

  it('finishes a 30-day pause as soon as nothing else is left to wait for', async () => {
    const taskQueue = uniqueId('smoke');
    const result = await withWorker(env, taskQueue, () =>
      env.client.workflow.execute(pingWorkflow, {
        taskQueue,
        workflowId: uniqueId('ping'),
        args: [{ message: 'later', pause: '30 days' }],
      }),
    );

    assert.equal(result.message, 'later');
    assert.ok(result.pausedMs >= thirtyDaysMs, `paused ${result.pausedMs} ms on the workflow clock`);
  });
});
