/**
 * What a client does with review tasks: find the open ones through visibility, show one, give verdicts, reassign or
 * cancel it. Every refusal a user can act on (an unknown task or record, a missing reason, a closed task) is an
 * {@link InputError} that says why.
 */
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { InputError } from '../domain/errors.js';
import {
  batchIdSearchAttribute,
  cancelSignal,
  getTaskViewQuery,
  pendingReviewsSearchAttribute,
  reassignSignal,
  submitVerdictsUpdate,
  workflowIds,
} from '../workflows/definitions.js';
import type { SubmitVerdictsRequest, TaskView } from '../workflows/review-types.js';
import { verdictRejections } from '../workflows/verdict-validation.js';
import { askWorker, findWorkflow } from './workflow-lookup.js';

/** Which open tasks to list; every open task when empty. */
export interface TaskFilter {
  pipelineId?: string;
  batchId?: string;
}

/** An open review task as the task list shows it. The fields from its own view are absent when no worker answered. */
export interface OpenTask {
  taskId: string;
  pipelineId?: string;
  batchId?: string;
  /** ISO 8601. */
  startedAt: string;
  records?: number;
  pending?: number;
  assignee?: string;
  remindAt?: string;
  expiresAt?: string;
}

const rejectionTypes = new Set<string>(Object.values(verdictRejections));

/** The visibility query of the open review tasks, as the `temporal` CLI takes it too. */
export function openTasksQuery(filter: TaskFilter = {}): string {
  const clauses = ["WorkflowType = 'HumanReviewWorkflow'", "ReviewStatus = 'OPEN'", "ExecutionStatus = 'Running'"];
  if (filter.pipelineId !== undefined) {
    clauses.push(`ParentWorkflowId = ${quote(workflowIds.pipeline(filter.pipelineId))}`);
  }
  if (filter.batchId !== undefined) clauses.push(`${batchIdSearchAttribute.name} = ${quote(filter.batchId)}`);
  return clauses.join(' AND ');
}

/** The open review tasks, oldest first, each with its records and deadlines as its own view tells them. */
export async function listOpenTasks(client: Client, filter: TaskFilter = {}): Promise<OpenTask[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query: openTasksQuery(filter) })) found.push(info);
  found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  return Promise.all(found.map((info) => openTask(client, info)));
}

async function openTask(client: Client, info: WorkflowExecutionInfo): Promise<OpenTask> {
  const task: OpenTask = { taskId: info.workflowId, startedAt: info.startTime.toISOString() };
  const batchId = info.typedSearchAttributes.get(batchIdSearchAttribute);
  const pending = info.typedSearchAttributes.get(pendingReviewsSearchAttribute);
  if (batchId !== undefined) task.batchId = batchId;
  if (pending !== undefined) task.pending = pending;

  const view = await askWorker(client, `task ${info.workflowId}`, () =>
    client.workflow.getHandle(info.workflowId, info.runId).query(getTaskViewQuery),
  ).catch(() => undefined);
  if (view === undefined) return task;
  return {
    ...task,
    pipelineId: view.pipelineId,
    batchId: view.batchId,
    records: view.records.length,
    pending: view.records.filter((record) => record.decision.status === 'PENDING').length,
    ...(view.assignee !== undefined && { assignee: view.assignee }),
    remindAt: view.remindAt,
    expiresAt: view.expiresAt,
  };
}

/** A task as its reviewer sees it: records, decisions so far, deadlines. */
export async function getTask(client: Client, taskId: string): Promise<TaskView> {
  const { handle } = await findTask(client, taskId);
  return askWorker(client, `task ${taskId}`, () => handle.query(getTaskViewQuery));
}

/**
 * Gives verdicts on records of a task and returns the task as it stands after them. A submission the task refuses
 * (unknown record, missing reason, record already decided, task closed) is an {@link InputError} with the task's
 * own reason, and changes nothing.
 */
export async function submitVerdicts(
  client: Client,
  taskId: string,
  request: SubmitVerdictsRequest,
): Promise<TaskView> {
  const { handle, description } = await findTask(client, taskId);
  if (description.status.name !== 'RUNNING') throw await closedTaskError(client, handle, description);
  try {
    return await handle.executeUpdate(submitVerdictsUpdate, { args: [request] });
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type != null && rejectionTypes.has(cause.type)) {
      throw new InputError(cause.message);
    }
    if (error instanceof WorkflowNotFoundError) {
      throw await closedTaskError(client, handle, await handle.describe());
    }
    throw error;
  }
}

/** Hands an open task to another reviewer. */
export async function reassignTask(client: Client, taskId: string, assignee: string, by?: string): Promise<void> {
  const { handle, description } = await findTask(client, taskId);
  if (description.status.name !== 'RUNNING') throw await closedTaskError(client, handle, description);
  await handle.signal(reassignSignal, { assignee, ...(by !== undefined && { by }) });
}

/** Withdraws an open task: its undecided records are recorded as cancelled, with the reason. */
export async function cancelTask(client: Client, taskId: string, reason: string): Promise<void> {
  const { handle, description } = await findTask(client, taskId);
  if (description.status.name !== 'RUNNING') throw await closedTaskError(client, handle, description);
  await handle.signal(cancelSignal, { reason });
}

function findTask(client: Client, taskId: string) {
  return findWorkflow(client, taskId, {
    what: 'review task',
    workflowType: 'HumanReviewWorkflow',
    fix: 'List the open tasks with `review-cycle tasks`',
  });
}

/** Why a closed task takes nothing more: expired on a date, cancelled for a reason, or fully decided. */
async function closedTaskError(
  client: Client,
  handle: WorkflowHandle,
  description: WorkflowExecutionDescription,
): Promise<InputError> {
  const { workflowId } = handle;
  const fix = 'List the open tasks with `review-cycle tasks`';
  if (description.status.name !== 'COMPLETED') {
    return new InputError(`task ${workflowId} is closed (${description.status.name})`, {}, fix);
  }
  const view = await askWorker(client, `task ${workflowId}`, () => handle.query(getTaskViewQuery)).catch(
    () => undefined,
  );
  if (view?.status === 'EXPIRED') {
    return new InputError(`task ${workflowId} expired on ${view.expiresAt} and takes no more verdicts`, {}, fix);
  }
  if (view?.status === 'CANCELLED') {
    const reason = view.records.find((record) => record.decision.status === 'CANCELLED')?.decision.reason;
    return new InputError(`task ${workflowId} was cancelled (${reason ?? 'no reason given'})`, {}, fix);
  }
  if (view?.status === 'DECIDED') {
    return new InputError(`every record of task ${workflowId} was already decided`, {}, fix);
  }
  return new InputError(`task ${workflowId} is closed`, {}, fix);
}

/** A quoted value for a visibility query; ids never hold quotes, and one that does is refused. */
function quote(value: string): string {
  if (/['"\\]/.test(value))
    throw new InputError(`${JSON.stringify(value)} holds a quote or backslash`, {}, 'Give an id');
  return `'${value}'`;
}
