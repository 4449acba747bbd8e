import { Worker } from '@temporalio/worker';
import { sharedWorkflowBundle } from '../../lib/workflow-bundle.js';
import type { WorkerTarget } from './temporal.js';

/**
 * Runs `fn` while a worker with the real workflows and the given activities polls `taskQueue`: for tests whose
 * subject is the workflow, with in-memory stand-ins for the outside systems it calls.
 */
export async function withStubWorker<T>(
  target: WorkerTarget,
  taskQueue: string,
  activities: object,
  fn: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: target.nativeConnection,
    namespace: target.namespace ?? 'default',
    taskQueue,
    activities,
    workflowBundle: await sharedWorkflowBundle(),
  });
  return worker.runUntil(fn);
}
