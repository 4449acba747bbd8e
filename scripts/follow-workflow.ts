/**
 * Waiting for a workflow's result from a process that must stop cleanly on Ctrl-C. A long poll left in flight when
 * the process closes its connection and stops the server is retried on the closed channel and crashes the process,
 * so the workflow is asked every few seconds instead, each call with a deadline.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import { setTimeout as delay } from 'node:timers/promises';

/** How long one call may take before the next look; queries wait on a worker, which may be stopping. */
const callDeadlineMs = 10_000;

export interface FollowOptions {
  signal: AbortSignal;
  /** Called on every look while the workflow runs, e.g. to query its progress. */
  whileRunning?: () => Promise<void>;
  /** @default 2000 */
  intervalMs?: number;
}

/**
 * The result of the workflow's latest run once it has closed (a failed run throws as `handle.result()` does), or
 * undefined once `signal` is aborted.
 */
export async function followWorkflow<W extends Workflow>(
  client: Client,
  handle: WorkflowHandle<W>,
  { signal, whileRunning, intervalMs = 2000 }: FollowOptions,
): Promise<WorkflowResultType<W> | undefined> {
  while (!signal.aborted) {
    const description = await withDeadline(client, () => handle.describe()).catch(() => undefined);
    if (description !== undefined && description.status.name !== 'RUNNING') return handle.result();
    if (description !== undefined && whileRunning !== undefined) await whileRunning();
    await delay(intervalMs, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

/** Runs one call that gives up after {@link callDeadlineMs}. */
export function withDeadline<T>(client: Client, call: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + callDeadlineMs, call);
}
