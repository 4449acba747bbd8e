/**
 * Where a review cycle stands, kept in one place so that its status query, its search attributes and the Web UI's
 * current details always agree.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import {
  batchIdSearchAttribute,
  modelVersionSearchAttribute,
  pendingReviewsSearchAttribute,
  reviewStatusSearchAttribute,
} from './definitions.js';
import type { CyclePhase, CycleStatus, ReviewCycleState } from './review-types.js';

export class CycleProgress {
  private phase: CyclePhase = 'SCORING';
  private batchId: string | undefined;
  private modelVersion: string | undefined;
  /** Records still waiting for a verdict, by the workflow id of their open task. */
  private readonly pendingByTask = new Map<string, number>();
  private readonly published = new Map<string, unknown>();

  constructor(
    private readonly pipelineId: string,
    private readonly state: ReviewCycleState,
  ) {}

  /** Moves to a new phase; `details` says, in a sentence, what the cycle is doing or waiting on. */
  enter(phase: CyclePhase, details: string): void {
    this.phase = phase;
    setCurrentDetails(details);
    this.publish();
  }

  usesModel(modelVersion: string): void {
    this.modelVersion = modelVersion;
    this.publish();
  }

  works(batchId: string): void {
    this.batchId = batchId;
    this.publish();
  }

  taskOpened(taskWorkflowId: string, records: number): void {
    this.pendingByTask.set(taskWorkflowId, records);
    this.publish();
  }

  /** A task's own count of its records still waiting; ignored once the task is closed. */
  taskProgress(taskWorkflowId: string, pending: number): void {
    if (!this.pendingByTask.has(taskWorkflowId) || this.pendingByTask.get(taskWorkflowId) === pending) return;
    this.pendingByTask.set(taskWorkflowId, pending);
    this.publish();
  }

  taskClosed(taskWorkflowId: string): void {
    this.pendingByTask.delete(taskWorkflowId);
    this.publish();
  }

  status(): CycleStatus {
    return {
      pipelineId: this.pipelineId,
      phase: this.phase,
      ...(this.batchId !== undefined && { batchId: this.batchId }),
      ...(this.modelVersion !== undefined && { modelVersion: this.modelVersion }),
      openTasks: [...this.pendingByTask.keys()],
      pendingReviews: this.pendingReviews(),
      state: { ...this.state, totals: { ...this.state.totals } },
    };
  }

  private pendingReviews(): number {
    let pending = 0;
    for (const records of this.pendingByTask.values()) pending += records;
    return pending;
  }

  /** Upserts the search attributes whose value changed since the last upsert. */
  private publish(): void {
    const current: SearchAttributeUpdatePair[] = [
      { key: reviewStatusSearchAttribute, value: this.phase },
      { key: pendingReviewsSearchAttribute, value: this.pendingReviews() },
    ];
    if (this.batchId !== undefined) current.push({ key: batchIdSearchAttribute, value: this.batchId });
    if (this.modelVersion !== undefined) current.push({ key: modelVersionSearchAttribute, value: this.modelVersion });

    const changed = current.filter(({ key, value }) => this.published.get(key.name) !== value);
    if (changed.length === 0) return;
    upsertSearchAttributes(changed);
    for (const { key, value } of changed) this.published.set(key.name, value);
  }
}
