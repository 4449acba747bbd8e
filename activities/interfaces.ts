/**
 * The activities a review cycle runs, as one interface that both backends implement: `local` (this machine's
 * XGBoost scorer, explainers, object store and review app) and `aws` (SageMaker, Clarify, S3, A2I).
 * Activities pass object-store keys, never datasets.
 */
import type {
  BatchRef,
  ExplanationPolicy,
  ModelRef,
  PipelineConfig,
  RecordDecision,
  RetrainPolicy,
  ReviewRecord,
  SelectionPolicy,
} from '../workflows/review-types.js';

/** Keys of a batch's Clarify-shaped explanation output. */
export interface ExplanationKeys {
  /** `explanations_shap/out.csv`: one row per batch row, one column per feature. */
  outCsvKey: string;
  analysisKey: string;
  /** E[f(x)] in the explanation's units. */
  expectedValue: number;
}

/** The task a verdict belongs to, as written into its A2I-shaped output. */
export interface TaskContext {
  taskId: string;
  pipelineId: string;
  batchId: string;
  modelVersion: string;
}

export interface ReviewActivities {
  /** Resolves `current` or a version name to a model in the registry. */
  resolveModel(input: { modelVersion: string }): Promise<ModelRef>;

  /** Stores batch `batchIndex` of the incoming stream; null once the stream has no more rows. */
  prepareBatch(input: { pipelineId: string; batchIndex: number; batchSize: number }): Promise<BatchRef | null>;

  /** A batch transform: `<input>.out` with one probability per row. */
  transformBatch(input: { batch: BatchRef; model: ModelRef }): Promise<{ predictionsKey: string }>;

  /** Explains rows [start, end) of a batch into a partial result; any worker may run any chunk. */
  explainChunk(input: {
    batch: BatchRef;
    model: ModelRef;
    explanation: ExplanationPolicy;
    start: number;
    end: number;
  }): Promise<{ partialKey: string }>;

  /** Merges the partial results, in row order, into one Clarify-shaped output. */
  mergeExplanations(input: {
    batch: BatchRef;
    explanation: ExplanationPolicy;
    partialKeys: string[];
  }): Promise<ExplanationKeys>;

  /** Picks the records a human must judge, with their decoded features and SHAP values. */
  selectRecords(input: {
    batch: BatchRef;
    predictionsKey: string;
    explanations: ExplanationKeys;
    threshold: number;
    selection: SelectionPolicy;
  }): Promise<ReviewRecord[]>;

  /** Draws each record's waterfall (PNG and SVG) and returns the records with their plot keys. */
  renderPlots(input: { batch: BatchRef; records: ReviewRecord[]; topK: number }): Promise<ReviewRecord[]>;

  /** Stores one record's decision in A2I's `output.json` shape; the same call for the same decision is a no-op. */
  recordVerdict(input: { task: TaskContext; record: ReviewRecord; decision: RecordDecision }): Promise<{
    outputKey: string;
  }>;

  /** Tells reviewers about a task: created, a reminder, reassigned, or expired. */
  notifyReviewers(input: {
    taskId: string;
    kind: 'created' | 'reminder' | 'reassigned' | 'expired';
    assignee?: string;
    groups: string[];
  }): Promise<void>;

  /**
   * The oracle reviewer: answers a task through the same update a person's verdict goes through,
   * agreeing where the model matched the true label and disagreeing, with a reason, where it did not.
   */
  answerAsOracle(input: { taskWorkflowId: string; batch: BatchRef; records: ReviewRecord[] }): Promise<void>;

  /**
   * Appends a batch's verdicts to the pipeline's ground truth as a new version; writing the same batch again
   * returns the version it already has.
   */
  writeGroundTruth(input: {
    pipelineId: string;
    batch: BatchRef;
    modelVersion: string;
    records: ReviewRecord[];
    decisions: RecordDecision[];
  }): Promise<{ version: string; key: string; rows: number }>;

  /** Decides from the ground truth so far whether a new model should be trained. */
  evaluateRetrainPolicy(input: {
    pipelineId: string;
    groundTruthVersion: string;
    policy: RetrainPolicy;
  }): Promise<{ retrain: boolean; reason: string }>;

  /**
   * Asks pipeline `pipelineId` for `count` more batches: `requestBatchesSignal` to its `ReviewCycleWorkflow` (id
   * `workflowIds.pipeline(pipelineId)`). When the pipeline is running, the request adds to its state and `config`
   * is not used. When it is stopped, it first starts, paced `on-request` on this activity's task queue, with
   * `config` but at the batch size it already takes, from its first batch not yet reviewed, so that no batch is
   * reviewed twice; when it has taken the whole incoming stream, nothing starts and nothing is asked.
   */
  requestBatches(input: { pipelineId: string; config: PipelineConfig; count: number; by: string }): Promise<{
    workflowId: string;
    /** Set when the pipeline has taken the whole incoming stream, so that no batch was asked for. */
    streamEnded?: boolean;
  }>;
}
