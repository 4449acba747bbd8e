/**
 * Finding a review-cycle workflow by the id a user typed, and asking it a question, with errors that say what to do
 * rather than a gRPC status.
 */
import {
  isGrpcDeadlineError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { InputError } from '../domain/errors.js';

/** How long a query may wait for a worker to answer it. */
const queryDeadlineMs = 15_000;

/** What a lookup is for: a kind such as `review task`, the workflow type it must be, and how to find a right id. */
export interface LookupTarget {
  what: string;
  /** The name the user gave, when it is not the workflow id itself (a pipeline id). */
  name?: string;
  workflowType: string;
  fix: string;
}

/**
 * The handle and description of the latest run of `workflowId`. An id the server does not know, or one of another
 * workflow type, is an {@link InputError}.
 */
export async function findWorkflow(
  client: Client,
  workflowId: string,
  target: LookupTarget,
): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  const handle = client.workflow.getHandle(workflowId);
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    const name = target.name === undefined ? workflowId : `${target.name} (workflow ${workflowId})`;
    throw new InputError(`there is no ${target.what} ${name}`, {}, target.fix);
  }
  if (description.type !== target.workflowType) {
    throw new InputError(`${workflowId} is a ${description.type}, not a ${target.what}`, {}, target.fix);
  }
  return { handle, description };
}

/** No worker answered a query in time: none polls the workflow's task queue, or all are busy. */
export class NoWorkerError extends Error {
  override readonly name = 'NoWorkerError';
}

/** Runs a query, or any call that needs a worker, and says so when no worker answers in time. */
export async function askWorker<T>(client: Client, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + queryDeadlineMs, call);
  } catch (error) {
    if (!isGrpcDeadlineError(error)) throw error;
    throw new NoWorkerError(
      `${what} did not answer within ${queryDeadlineMs / 1000} s: no worker polls its task queue. ` +
        'Start one with `npm start`, or `node --import tsx workers/main.ts`',
    );
  }
}

/** The innermost message of an error and its causes: what went wrong, without the failures that wrap it. */
export function innermostMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
