import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../workers/main.js';
import type { WorkerTarget } from './temporal.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle of the current workflow code, made once per process. */
export function currentWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundler });
  return bundle;
}

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
    workflowBundle: await currentWorkflowBundle(),
  });
  return worker.runUntil(fn);
}

// Webpack's progress stays out of the test report; its warnings and errors do not.
const ignore = (): void => {};
const report = (message: string): void => console.error(message);
const quietBundler = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: report,
  error: report,
  log: (level: string, message: string) => (level === 'WARN' || level === 'ERROR' ? report(message) : undefined),
};
