/**
 * Everything the review app knows about review tasks comes from Temporal: open tasks from visibility, a task's view
 * from its query, and verdicts go in through its update. Nothing about a task's state is stored here.
 */
import {
  QueryNotRegisteredError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import {
  batchIdSearchAttribute,
  getTaskViewQuery,
  submitVerdictsUpdate,
  workflowIds,
} from '../workflows/definitions.js';
import type { RecordVerdict, TaskView } from '../workflows/review-types.js';
import { mayReview } from './reviewers.js';
import { factsOf, mapWithLimit, RecentMap, type TaskFacts } from './task-facts.js';

/** The workflow type of a review task, as visibility names it. */
export const reviewTaskWorkflowType = 'HumanReviewWorkflow';

/** Queries sent at once when many tasks are looked at. */
const queryConcurrency = 8;

/** An open task as visibility lists it. */
export interface OpenTask {
  taskId: string;
  startTime: Date;
}

/** What became of a submission. */
export type SubmitOutcome =
  | { kind: 'accepted'; view: TaskView }
  /** The task's validator refused it: `type` is one of `verdictRejections`. */
  | { kind: 'rejected'; type: string; message: string }
  /** The task had closed: it no longer takes updates. */
  | { kind: 'closed'; view: TaskView }
  | { kind: 'not-found' };

export class TaskSource {
  private readonly facts = new RecentMap<string, TaskFacts>(2000);

  constructor(private readonly client: Client) {}

  /** The open review tasks, oldest first. */
  async openTasks(): Promise<OpenTask[]> {
    const query = `WorkflowType = '${reviewTaskWorkflowType}' AND ReviewStatus = 'OPEN' AND ExecutionStatus = 'Running'`;
    return sortedTasks(await this.list(query));
  }

  /** The open tasks offered to a reviewer of these groups, oldest first. */
  async openTasksFor(groups: readonly string[]): Promise<OpenTask[]> {
    const open = await this.openTasks();
    const facts = await mapWithLimit(open, queryConcurrency, (task) => this.factsOf(task.taskId));
    return open.filter((_, index) => facts[index] !== undefined && mayReview(groups, facts[index].groups));
  }

  /** The review tasks of one batch of a pipeline, open or closed, oldest first. */
  async batchTasks(pipelineId: string, batchId: string): Promise<OpenTask[]> {
    const first = workflowIds.task(pipelineId, batchId, 1);
    const prefix = first.slice(0, first.lastIndexOf('-') + 1);
    const query =
      `WorkflowType = '${reviewTaskWorkflowType}' AND ${batchIdSearchAttribute.name} = ${quote(batchId)} ` +
      `AND WorkflowId STARTS_WITH ${quote(prefix)}`;
    return sortedTasks(await this.list(query));
  }

  /** The task as it stands now; undefined when no review task has this id. */
  async view(taskId: string): Promise<TaskView | undefined> {
    try {
      const view = await this.client.workflow.getHandle(taskId).query(getTaskViewQuery);
      this.facts.set(taskId, factsOf(view));
      return view;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError) return undefined;
      throw error;
    }
  }

  /** What never changes about the task, from memory when it was seen lately. */
  async factsOf(taskId: string): Promise<TaskFacts | undefined> {
    const known = this.facts.get(taskId);
    if (known !== undefined) return known;
    const view = await this.view(taskId);
    return view === undefined ? undefined : factsOf(view);
  }

  /** Sends verdicts through the task's update, whose validator has the last word. */
  async submit(taskId: string, reviewerId: string, verdicts: RecordVerdict[]): Promise<SubmitOutcome> {
    try {
      const view = await this.client.workflow
        .getHandle(taskId)
        .executeUpdate(submitVerdictsUpdate, { args: [{ reviewerId, verdicts }] });
      return { kind: 'accepted', view };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
        return { kind: 'rejected', type: error.cause.type ?? 'Error', message: error.cause.message };
      }
      // A closed workflow takes no update at all; its query still says how it closed.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const view = await this.view(taskId);
      return view === undefined ? { kind: 'not-found' } : { kind: 'closed', view };
    }
  }

  private async list(query: string): Promise<OpenTask[]> {
    const tasks: OpenTask[] = [];
    for await (const info of this.client.workflow.list({ query }) as AsyncIterable<WorkflowExecutionInfo>) {
      tasks.push({ taskId: info.workflowId, startTime: info.startTime });
    }
    return tasks;
  }
}

function sortedTasks(tasks: OpenTask[]): OpenTask[] {
  return tasks.sort((a, b) => a.startTime.getTime() - b.startTime.getTime() || a.taskId.localeCompare(b.taskId));
}

/** A string literal of the visibility query language. */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
