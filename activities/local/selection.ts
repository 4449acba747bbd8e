/** Which records of a scored, explained batch a reviewer must see, read from the transform and Clarify outputs. */
import { createHash } from 'node:crypto';
import { InputError } from '../../domain/errors.js';
import { row } from '../../domain/matrix.js';
import { describeRow, FEATURE_NAMES, LABEL_VALUES } from '../../domain/schema.js';
import { getJson, getText, type ObjectStore } from '../../lib/object-store.js';
import type { ReviewRecord, SelectionPolicy } from '../../workflows/review-types.js';
import type { ExplanationKeys, ReviewActivities } from '../interfaces.js';
import { readBatchFeatures, readBatchRows } from './batch-objects.js';
import type { LocalContext } from './context.js';

/** A record picked for review: its row in the batch and why. */
export interface Selected {
  rowNumber: number;
  reason: ReviewRecord['reason'];
}

export function createSelectionActivities(context: LocalContext): Pick<ReviewActivities, 'selectRecords'> {
  const { store } = context;
  return {
    async selectRecords({ batch, predictionsKey, explanations, threshold, selection }) {
      const probabilities = await readPredictions(store, predictionsKey, batch.rows);
      const { rowIds } = await readBatchRows(store, batch);
      const chosen = selectRows(probabilities, rowIds, threshold, selection);
      if (chosen.length === 0) return [];

      await checkLogOdds(store, explanations);
      const shap = await readLocalValues(store, explanations.outCsvKey, batch.rows);
      const features = await readBatchFeatures(store, batch);
      return chosen.map(({ rowNumber, reason }) => {
        const probability = probabilities[rowNumber]!;
        const values = shap[rowNumber]!;
        const predictedLabel = probability >= threshold ? 1 : 0;
        return {
          rowId: rowIds[rowNumber]!,
          rowNumber,
          probability,
          predictedLabel,
          predictedOutcome: predictedLabel === 1 ? LABEL_VALUES.positive : LABEL_VALUES.negative,
          reason,
          expectedValue: explanations.expectedValue,
          // f(x) as the plot draws it, so that the record and its waterfall end at the same value.
          margin: explanations.expectedValue + values.reduce((sum, value) => sum + value, 0),
          features: describeRow(row(features, rowNumber)).map((feature, c) => ({ ...feature, shap: values[c]! })),
        };
      });
    },
  };
}

/**
 * The rows a reviewer must see, in row order: every negative outcome (below the threshold) when `negatives` is set,
 * every record within `band` of the threshold, and an audit draw of `auditRate` of the remaining positive outcomes.
 * The draw ranks rows by a hash of the seed and the row id, so the same batch and seed always give the same rows.
 */
export function selectRows(
  probabilities: ArrayLike<number>,
  rowIds: readonly string[],
  threshold: number,
  policy: SelectionPolicy,
): Selected[] {
  const reasons = new Map<number, Selected['reason']>();
  const positives: number[] = [];
  for (let r = 0; r < probabilities.length; r++) {
    const probability = probabilities[r]!;
    if (policy.negatives && probability < threshold) reasons.set(r, 'negative');
    else if (policy.band > 0 && Math.abs(probability - threshold) <= policy.band) reasons.set(r, 'band');
    else if (probability >= threshold) positives.push(r);
  }

  const audited = Math.round(policy.auditRate * positives.length);
  const draw = (r: number) => auditRank(policy.seed, rowIds[r]!);
  const ranked = positives.map((r) => ({ r, rank: draw(r) })).sort((a, b) => a.rank.localeCompare(b.rank) || a.r - b.r);
  for (const { r } of ranked.slice(0, audited)) reasons.set(r, 'audit');

  return [...reasons.entries()]
    .map(([rowNumber, reason]) => ({ rowNumber, reason }))
    .sort((a, b) => a.rowNumber - b.rowNumber);
}

function auditRank(seed: number, rowId: string): string {
  return createHash('sha256').update(`${seed}:${rowId}`).digest('hex');
}

/** A transform output: one probability per line, one line per batch row. */
async function readPredictions(store: ObjectStore, key: string, rows: number): Promise<number[]> {
  const lines = (await getText(store, key)).trimEnd().split('\n');
  const probabilities = lines.map((line, index) => {
    const value = Number(line);
    if (line.trim() === '' || !(value >= 0 && value <= 1)) {
      throw new InputError(`'${line}' is not a probability`, { file: key, row: index + 1 });
    }
    return value;
  });
  if (probabilities.length !== rows) {
    throw new InputError(`has ${probabilities.length} predictions for ${rows} rows`, { file: key });
  }
  return probabilities;
}

/** Review plots add SHAP values to E[f(x)] in log-odds; values in probabilities would draw a wrong plot. */
async function checkLogOdds(store: ObjectStore, explanations: ExplanationKeys): Promise<void> {
  const analysis = await getJson<{ review_cycle?: { units?: string } }>(store, explanations.analysisKey);
  const units = analysis.review_cycle?.units;
  if (units !== 'log-odds') {
    throw new InputError(
      `the explanations are in ${units ?? 'unknown units'}`,
      { file: explanations.analysisKey, field: 'review_cycle.units' },
      'Explain the batch in log-odds (use_logit) for review',
    );
  }
}

/** Clarify's out.csv: one row of SHAP values per batch row, returned in schema order whatever the column order. */
async function readLocalValues(store: ObjectStore, key: string, rows: number): Promise<number[][]> {
  const [header = '', ...lines] = (await getText(store, key)).trimEnd().split('\n');
  const names = header.split(',');
  const columns = FEATURE_NAMES.map((name) => names.indexOf(name));
  if (columns.includes(-1) || names.length !== FEATURE_NAMES.length) {
    throw new InputError(
      `the header '${header}' does not name the ${FEATURE_NAMES.length} features`,
      { file: key, row: 1 },
      `Use the columns ${FEATURE_NAMES.join(',')}`,
    );
  }
  if (lines.length !== rows) throw new InputError(`has ${lines.length} rows of values for ${rows} rows`, { file: key });
  return lines.map((line, index) => {
    const fields = line.split(',');
    return columns.map((column) => {
      const value = Number(fields[column]);
      if (fields[column] === undefined || fields[column] === '' || !Number.isFinite(value)) {
        throw new InputError(`'${fields[column]}' is not a SHAP value`, { file: key, row: index + 2 });
      }
      return value;
    });
  });
}
