import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { randomUUID } from 'node:crypto';
import { logger } from '../../lib/logger.js';
import { temporalCli, temporalTestServer } from '../../lib/tools.js';
import { sharedWorkflowBundle } from '../../lib/workflow-bundle.js';
import { createWorker } from '../../workers/main.js';
import { installRuntime } from '../../workers/runtime.js';
import { reviewCycleSearchAttributes } from '../../workflows/definitions.js';

// Tests assert on results, not on logs: keep the worker's routine messages out of the test report.
if (process.env.LOG_LEVEL === undefined) logger.level = 'warn';
installRuntime();

/** An id no other test run uses, for workflows, task queues and search attribute values. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** A real Temporal dev server from the installed CLI, with review-cycle's search attributes registered. */
export async function startLocalEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      searchAttributes: [...reviewCycleSearchAttributes],
    },
  });
}

/**
 * The time-skipping test server, with review-cycle's search attributes registered: timers of days fire as soon as
 * the workflow waits on nothing else.
 */
export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServer() } },
  });
  // The test server cannot list search attributes, so they are added without asking which it knows.
  const searchAttributes = Object.fromEntries(
    reviewCycleSearchAttributes.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
  );
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
  return env;
}

/** Where a test worker connects: a test environment, or any connection and namespace. */
export type WorkerTarget = Pick<TestWorkflowEnvironment, 'nativeConnection' | 'namespace'> & { client?: Client };

/** Runs `fn` while a review-cycle worker polls `taskQueue` on the target's server, then stops the worker. */
export async function withWorker<T>(target: WorkerTarget, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const worker = await createWorker({
    connection: target.nativeConnection,
    namespace: target.namespace ?? 'default',
    taskQueue,
    workflowBundle: await sharedWorkflowBundle(),
    client: target.client,
  });
  return worker.runUntil(fn);
}
