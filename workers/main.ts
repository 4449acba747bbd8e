import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as hostActivities from '../activities/index.js';
import { createLocalActivities } from '../activities/local/index.js';
import { createTrainingActivities } from '../activities/training.js';
import { ModelRegistry } from '../lib/model-registry.js';
import { FileObjectStore, type ObjectStore } from '../lib/object-store.js';
import { logger } from '../lib/logger.js';
import { bundleWorkflowsApart } from '../lib/workflow-bundle.js';
import { registerSearchAttributes } from '../lib/search-attributes.js';
import { temporalTargetFromEnv } from '../lib/temporal-config.js';
import { reviewCycleSearchAttributes, reviewCycleTaskQueue } from '../workflows/definitions.js';
import { installRuntime } from './runtime.js';

/** What {@link createWorker} needs. */
export interface ReviewCycleWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** @default {@link reviewCycleTaskQueue} */
  taskQueue?: string;
  /** A bundle made once with `bundleWorkflowCode`, to spare several workers the bundling; else one is made apart. */
  workflowBundle?: WorkflowBundleOption;
  /** The client through which activities talk to workflows (the oracle reviewer, batch requests). */
  client?: Client;
  /** @default a {@link FileObjectStore} in `REVIEW_CYCLE_OBJECTS`, else `.data/objects` */
  store?: ObjectStore;
}

/** Every activity of the local backend, over one object store and its model registry. */
export function localActivities(options: Pick<ReviewCycleWorkerOptions, 'client' | 'store'>): object {
  const store = options.store ?? new FileObjectStore();
  const registry = new ModelRegistry(store);
  return {
    ...hostActivities,
    ...createTrainingActivities(registry),
    ...createLocalActivities({ store, registry, client: options.client }),
  };
}

/**
 * Workflows a worker keeps in memory between their tasks. Review tasks wait for days, so most are idle: one that
 * falls out of the cache is replayed from its short history when a verdict or a timer wakes it. The SDK's default
 * (some 2,000 with Node's usual heap) lets 1,000 open tasks hold over 250 MB.
 */
const MAX_CACHED_WORKFLOWS = 100;

/**
 * Workflow tasks a worker runs at once. A burst of new review tasks (a batch's tasks, a backlog after an outage)
 * otherwise has the SDK's default of 40 activations in memory together, each replaying a workflow that fell out of
 * the cache; a few keep both cores busy.
 */
const MAX_CONCURRENT_WORKFLOW_TASKS = 8;

/** Creates a worker that runs every review-cycle workflow and activity; start it with `worker.run()`. */
export async function createWorker(options: ReviewCycleWorkerOptions): Promise<Worker> {
  const workflowBundle = options.workflowBundle ?? (await bundleWorkflowsApart());
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? reviewCycleTaskQueue,
    activities: localActivities(options),
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: MAX_CONCURRENT_WORKFLOW_TASKS,
    workflowBundle,
  });
}

/**
 * Runs one worker against the server named by TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE until SIGINT or SIGTERM,
 * for deployments that add workers beside `npm start` or run against a cluster.
 */
async function runStandalone(): Promise<void> {
  const target = temporalTargetFromEnv();
  await ensureSearchAttributes(target.address, target.namespace);

  installRuntime();
  const connection = await NativeConnection.connect({ address: target.address });
  try {
    const client = new Client({
      connection: await Connection.connect({ address: target.address }),
      namespace: target.namespace,
    });
    const worker = await createWorker({ connection, namespace: target.namespace, client });
    logger.info({ ...target, taskQueue: reviewCycleTaskQueue }, 'Worker polling');
    await worker.run();
  } finally {
    await connection.close();
  }
}

/** A cluster may deny a worker the operator service: then an administrator registers them, and this only warns. */
async function ensureSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const added = await registerSearchAttributes(connection, namespace, reviewCycleSearchAttributes);
    if (added.length > 0) logger.info({ added, namespace }, 'Registered search attributes');
  } catch (error) {
    const names = reviewCycleSearchAttributes.map((key) => key.name).join(', ');
    logger.warn({ err: error, namespace }, `Could not check or register the search attributes ${names}`);
  } finally {
    await connection.close();
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(realpathSync(script)).href === import.meta.url;
}

if (isEntryPoint()) {
  try {
    await runStandalone();
  } catch (error) {
    logger.error({ err: error }, 'Worker failed');
    process.exitCode = 1;
  }
}
