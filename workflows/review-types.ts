/**
 * The data that review-cycle's workflows, activities, CLI and review app exchange. Plain JSON-able types only:
 * everything here crosses the wire and survives continue-as-new.
 */
import type { Duration } from '@temporalio/common';

/** Which records of a batch a human must look at. */
export interface SelectionPolicy {
  /** Review every negative outcome: probability below the threshold. @default true */
  negatives: boolean;
  /** Also review any record whose probability is within this distance of the threshold. @default 0 */
  band: number;
  /** Also review this fraction of the positive outcomes, drawn at random, as an audit. @default 0 */
  auditRate: number;
  /** Seed of the audit draw, so a batch always selects the same records. @default 0 */
  seed: number;
}

/** How review tasks are made and how long they wait. */
export interface ReviewPolicy {
  /** @default 3 */
  recordsPerTask: number;
  /** A reminder goes out when a task is still open after this long. @default '1 day' */
  remindAfter: Duration;
  /** Undecided records are recorded as expired after this long. @default '7 days' */
  expireAfter: Duration;
  /** Who answers: people through the review app (or A2I), or the oracle that knows the true labels. */
  reviewer: 'human' | 'oracle';
  /** Reviewer groups a task is offered to; empty means every reviewer. @default [] */
  groups: string[];
}

/** When the evidence calls for a new model. */
export interface RetrainPolicy {
  kind: 'never' | 'overturn-rate';
  /** With `overturn-rate`: retrain when at least this share of reviewed records was overturned. @default 0.2 */
  minOverturnRate: number;
  /** ...and at least this many labelled records have accumulated. @default 100 */
  minLabels: number;
}

/** How explanations are computed: a Clarify analysis configuration, split into chunks of rows. */
export interface ExplanationPolicy {
  /** The content of a Clarify `analysis_config.json` (`methods.shap` ...). */
  analysisConfig: Record<string, unknown>;
  /** Rows per explanation activity; chunks run in parallel on any worker. @default 50 */
  chunkSize: number;
}

/** Everything a review pipeline is configured by. */
export interface PipelineConfig {
  backend: 'local' | 'aws';
  /** The bundled incoming stream of UCI Adult (the only source of the local backend). */
  source: 'adult-stream';
  /** @default 100 */
  batchSize: number;
  /** A registry version such as `v0002`, or `current`. @default 'current' */
  modelVersion: string;
  /** Probabilities below it are negative outcomes. @default 0.5 */
  threshold: number;
  selection: SelectionPolicy;
  explanation: ExplanationPolicy;
  review: ReviewPolicy;
  retrain: RetrainPolicy;
}

/** Totals over the batches a pipeline has finished. */
export interface CycleTotals {
  batches: number;
  scored: number;
  sentForReview: number;
  agreed: number;
  overturned: number;
  /** Records that got no verdict: the task expired, or was cancelled, before a reviewer answered. */
  expired: number;
}

/** The state a pipeline carries from one batch to the next through continue-as-new. */
export interface ReviewCycleState {
  /** Index (from 0) of the next batch of the stream. */
  nextBatchIndex: number;
  totals: CycleTotals;
  /** The newest ground-truth version written, if any. */
  groundTruthVersion?: string;
  /** Batches asked for by a schedule or a user and not yet started. */
  requestedBatches: number;
  /** The latest call of the retrain policy for a new model, until a retrain takes it up. */
  retrainRequest?: RetrainRequest;
}

/** The retrain policy's call for a new model, with the evidence it was made on. */
export interface RetrainRequest {
  batchId: string;
  groundTruthVersion: string;
  reason: string;
}

/** What a {@link ReviewCycleWorkflow} run starts from. */
export interface ReviewCycleInput {
  pipelineId: string;
  config: PipelineConfig;
  /** Stop after this many batches in all; run until the stream ends when absent. */
  maxBatches?: number;
  /**
   * `continuous` starts the next batch as soon as one is done; `on-request` waits for a request
   * (a schedule or `review-cycle trigger`). @default 'continuous'
   */
  pace: 'continuous' | 'on-request';
  state: ReviewCycleState;
}

/** Why a pipeline stopped: its batch limit, or the end of the incoming stream. */
export type CycleStopReason = 'max-batches' | 'stream-ended';

/** What a pipeline returns when it stops. */
export interface ReviewCycleSummary {
  pipelineId: string;
  /** Totals over the batches of this start of the pipeline, not of the runs before it. */
  totals: CycleTotals;
  /** Index (from 0) of the first batch not taken: where a new start of the pipeline continues. */
  nextBatchIndex: number;
  groundTruthVersion?: string;
  retrainRequest?: RetrainRequest;
  stoppedBecause: CycleStopReason;
}

/** What the nightly schedule's action starts with: enough to start the pipeline if it is not running. */
export interface NightlyTickInput {
  pipelineId: string;
  config: PipelineConfig;
  /** Batches to ask for on each tick. @default 1 */
  batches?: number;
}

/** A batch of the stream, as stored: keys only, never the data. */
export interface BatchRef {
  batchId: string;
  batchIndex: number;
  rows: number;
  /** Encoded features, no header, no label, in schema order. */
  inputKey: string;
  /** Row ids and the true labels (which only the oracle reviewer reads). */
  rowsKey: string;
}

export interface ModelRef {
  version: string;
  modelKey: string;
}

/** One feature of a record, decoded to text, with its SHAP value in log-odds. */
export interface FeatureValue {
  feature: string;
  value: string;
  shap: number;
}

/** One record a reviewer judges. */
export interface ReviewRecord {
  rowId: string;
  /** The record's row number in its batch, from 0, as in the batch's `out.csv`. */
  rowNumber: number;
  probability: number;
  predictedLabel: 0 | 1;
  /** `>50K` or `<=50K`. */
  predictedOutcome: string;
  /** Why it was selected: `negative`, `band` or `audit`. */
  reason: 'negative' | 'band' | 'audit';
  /** E[f(x)] and f(x) in log-odds. */
  expectedValue: number;
  margin: number;
  /** Every feature, in schema order. */
  features: FeatureValue[];
  /** Where the plot's PNG is kept: drawn from the SVG when first asked for (the review app does). */
  plotPngKey?: string;
  plotSvgKey?: string;
  /** The plot's plain-text description, for screen readers. */
  plotDescription?: string;
}

export type Verdict = 'agree' | 'disagree';

export interface RecordVerdict {
  rowId: string;
  verdict: Verdict;
  /** Required when the verdict is `disagree`. */
  reason?: string;
}

export interface SubmitVerdictsRequest {
  reviewerId: string;
  verdicts: RecordVerdict[];
}

export type RecordStatus = 'PENDING' | 'AGREED' | 'DISAGREED' | 'EXPIRED' | 'CANCELLED';
export type TaskStatus = 'OPEN' | 'DECIDED' | 'EXPIRED' | 'CANCELLED';

export interface RecordDecision {
  rowId: string;
  status: RecordStatus;
  reason?: string;
  reviewerId?: string;
  /** ISO 8601. */
  decidedAt?: string;
  /** Where the verdict is stored, in A2I's output.json shape. */
  outputKey?: string;
}

/** What a review task is started with. */
export interface HumanReviewInput {
  taskId: string;
  pipelineId: string;
  batchId: string;
  modelVersion: string;
  threshold: number;
  records: ReviewRecord[];
  remindAfter: Duration;
  expireAfter: Duration;
  groups: string[];
  assignee?: string;
}

/** What a reviewer sees of a task, and what the review app renders. */
export interface TaskView {
  taskId: string;
  pipelineId: string;
  batchId: string;
  modelVersion: string;
  status: TaskStatus;
  assignee?: string;
  groups: string[];
  records: (ReviewRecord & { decision: RecordDecision })[];
  createdAt: string;
  remindAt: string;
  expiresAt: string;
  remindersSent: number;
}

export interface HumanReviewResult {
  taskId: string;
  status: TaskStatus;
  decisions: RecordDecision[];
}

/** What `getCycleStatus` returns. */
export interface CycleStatus {
  pipelineId: string;
  phase: CyclePhase;
  batchId?: string;
  modelVersion?: string;
  openTasks: string[];
  pendingReviews: number;
  state: ReviewCycleState;
}

export type CyclePhase =
  'WAITING_FOR_REQUEST' | 'SCORING' | 'EXPLAINING' | 'SELECTING' | 'AWAITING_REVIEW' | 'WRITING_GROUND_TRUTH' | 'DONE';
