import { batchPrefix, streamBatchId } from '../activities/local/batch-objects.js';
import { plotKeys } from '../activities/local/plots.js';
import { loadSplit } from '../domain/dataset.js';
import { row } from '../domain/matrix.js';
import { describeRow, LABEL_VALUES } from '../domain/schema.js';
import { treeShap } from '../domain/shap/tree-shap.js';
import { waterfallDescription } from '../domain/waterfall.js';
import { parseXGBoostModel, sigmoid } from '../domain/xgboost-model.js';
import type { ReviewRecord } from '../workflows/review-types.js';

/**
 * Review records as a cycle sends them to its tasks: the first `count` negative outcomes of the incoming stream,
 * with their decoded features, TreeSHAP values, plot keys and plot descriptions (the plots are not drawn).
 */
export function reviewRecords(modelJson: string, count: number, threshold = 0.5): ReviewRecord[] {
  const model = parseXGBoostModel(modelJson);
  const stream = loadSplit('stream');
  const explanation = treeShap(model, stream.features);
  const records: ReviewRecord[] = [];
  for (let r = 0; r < stream.features.rows && records.length < count; r++) {
    const margin = explanation.predictions[r]!;
    const probability = sigmoid(margin);
    if (probability >= threshold) continue;

    const rowId = stream.rowIds[r]!;
    const features = row(stream.features, r);
    const shap = row(explanation.values, r);
    records.push({
      rowId,
      rowNumber: r % 100,
      probability,
      predictedLabel: 0,
      predictedOutcome: LABEL_VALUES.negative,
      reason: 'negative',
      expectedValue: explanation.expectedValue,
      margin,
      features: describeRow(features).map((feature, c) => ({ ...feature, shap: shap[c]! })),
      ...plotKeys(batchPrefix('bench', streamBatchId(Math.floor(r / 100))), rowId),
      plotDescription: waterfallDescription({ shap, expectedValue: explanation.expectedValue, features }),
    });
  }
  if (records.length < count) throw new Error(`The stream has only ${records.length} negative outcomes`);
  return records;
}
