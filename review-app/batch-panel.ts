/**
 * The batch panel of a task page: the batch's global SHAP ranking, from the analysis.json of its explanations, and
 * the top features of every record of the batch that went to review, so that a reviewer can compare across tasks.
 */
import { batchPrefix } from '../activities/local/batch-objects.js';
import { getJson, ObjectNotFoundError, type ObjectStore } from '../lib/object-store.js';
import type { FeatureValue, TaskView } from '../workflows/review-types.js';
import { mayReview } from './reviewers.js';
import { mapWithLimit, RecentMap } from './task-facts.js';
import type { TaskSource } from './task-source.js';

/** How many features each record shows in the comparison. */
export const topFeatureCount = 3;

export interface RankedFeature {
  feature: string;
  /** The aggregated |SHAP| over the batch, in log-odds. */
  value: number;
}

export interface PanelRecord {
  taskId: string;
  rowId: string;
  rowNumber: number;
  predictedOutcome: string;
  probability: number;
  inThisTask: boolean;
  top: FeatureValue[];
}

export interface BatchPanel {
  batchId: string;
  modelVersion: string;
  /** Most influential first; empty when the analysis could not be read. */
  ranking: RankedFeature[];
  records: PanelRecord[];
}

interface Analysis {
  explanations?: { kernel_shap?: { label0?: { global_shap_values?: Record<string, number> } } };
}

/** Where the local backend keeps the Clarify analysis of a batch's explanations. */
export function analysisKey(pipelineId: string, batchId: string, modelVersion: string): string {
  return `${batchPrefix(pipelineId, batchId)}/explanations/${modelVersion}/analysis.json`;
}

export class BatchPanels {
  private readonly rankings = new RecentMap<string, RankedFeature[]>(200);

  constructor(
    private readonly source: TaskSource,
    private readonly store: ObjectStore,
  ) {}

  /** The panel of the task's batch, with only the tasks a reviewer of these groups may see. */
  async panel(view: TaskView, groups: readonly string[]): Promise<BatchPanel> {
    const { pipelineId, batchId, modelVersion } = view;
    const [ranking, tasks] = await Promise.all([
      this.ranking(analysisKey(pipelineId, batchId, modelVersion)),
      this.source.batchTasks(pipelineId, batchId),
    ]);
    const facts = await mapWithLimit(tasks, 8, (task) => this.source.factsOf(task.taskId));
    const records = facts
      .filter((task) => task !== undefined && mayReview(groups, task.groups))
      .flatMap((task) =>
        task!.records.map((record) => ({
          taskId: task!.taskId,
          rowId: record.rowId,
          rowNumber: record.rowNumber,
          predictedOutcome: record.predictedOutcome,
          probability: record.probability,
          inThisTask: task!.taskId === view.taskId,
          top: topFeatures(record.features),
        })),
      )
      .sort((a, b) => a.rowNumber - b.rowNumber);
    return { batchId, modelVersion, ranking, records };
  }

  private async ranking(key: string): Promise<RankedFeature[]> {
    const known = this.rankings.get(key);
    if (known !== undefined) return known;
    let analysis: Analysis;
    try {
      analysis = await getJson<Analysis>(this.store, key);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return [];
      throw error;
    }
    const values = analysis.explanations?.kernel_shap?.label0?.global_shap_values ?? {};
    const ranking = Object.entries(values)
      .filter(([, value]) => typeof value === 'number' && Number.isFinite(value))
      .map(([feature, value]) => ({ feature, value }))
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    this.rankings.set(key, ranking);
    return ranking;
  }
}

/** The features that moved the prediction most, either way. */
export function topFeatures(features: readonly FeatureValue[], count = topFeatureCount): FeatureValue[] {
  return [...features].sort((a, b) => Math.abs(b.shap) - Math.abs(a.shap)).slice(0, count);
}
