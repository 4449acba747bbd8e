/**
 * SHAP explanations of a batch, computed in chunks that any worker may run and merged into the files SageMaker
 * Clarify writes: what the local backend does in place of a Clarify processing job.
 *
 * Review always reads explanations in log-odds, the units of the waterfall plot, so two settings of the analysis
 * configuration are overridden here: Kernel SHAP runs with `use_logit` (in probabilities the values do not add up
 * to the model's margin and cannot be converted to it), and local values are always saved, since they are what a
 * reviewer sees. analysis.json states the settings the values were computed with.
 */
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { formatCsv } from '../../domain/csv.js';
import { InputError } from '../../domain/errors.js';
import { createMatrix, matrixFromRows, type Matrix } from '../../domain/matrix.js';
import { FEATURE_NAMES } from '../../domain/schema.js';
import { resolveBaseline } from '../../domain/shap/baseline.js';
import { parseClarifyConfig, type ShapConfig } from '../../domain/shap/clarify-config.js';
import {
  ANALYSIS_FILE,
  COMPUTED_BASELINE_FILE,
  LOCAL_VALUES_FILE,
  mergeChunks,
  summarizeChunk,
  type ChunkSummary,
} from '../../domain/shap/clarify-output.js';
import type { Explanation } from '../../domain/shap/explanation.js';
import { explainRows, planChunks, sliceRows, type ExplainSettings } from '../../domain/shap/explain-rows.js';
import { getJson, getText, ObjectNotFoundError, putJson, type ObjectStore } from '../../lib/object-store.js';
import type { BatchRef, ExplanationPolicy } from '../../workflows/review-types.js';
import type { ReviewActivities } from '../interfaces.js';
import { batchFolder, readBatchFeatures } from './batch-objects.js';
import type { LocalContext } from './context.js';

/** Rows explained between two heartbeats. */
const HEARTBEAT_ROWS = 10;

/** One explained chunk as stored between `explainChunk` and `mergeExplanations`. */
interface ExplanationPartial {
  modelVersion: string;
  summary: ChunkSummary;
  /** The chunk's local values as CSV lines, no header. */
  body: string;
  /** How the values were computed, for analysis.json. */
  run: Record<string, unknown>;
  /** The baseline rows, a missing value as null, when the method uses one. */
  baseline?: (number | null)[][];
  baselineComputed?: boolean;
}

export function createExplanationActivities(
  context: LocalContext,
): Pick<ReviewActivities, 'explainChunk' | 'mergeExplanations'> {
  const { store } = context;
  return {
    async explainChunk({ batch, model, explanation, start, end }) {
      const scorer = await context.model(model);
      const config = readAnalysisConfig(explanation, scorer.numFeatures);
      const features = await readBatchFeatures(store, batch);
      sliceRows(features, { firstRow: start, rows: end - start }, 'start and end');

      // A computed baseline is computed over the whole batch, so that every chunk explains against the same one.
      const baseline =
        config.method === 'tree'
          ? undefined
          : await resolveBaseline(config.baseline, features, (location) => readBaselineObject(store, location));
      const settings: ExplainSettings = {
        method: config.method,
        numSamples: config.numSamples,
        useLogit: true,
        seed: config.seed,
      };
      const explained = await explainWithHeartbeats(features, start, end, (rows, firstRow) =>
        explainRows(scorer, rows, baseline?.rows, settings, firstRow),
      );
      const { summary, body } = summarizeChunk(explained, start);

      const partial: ExplanationPartial = {
        modelVersion: model.version,
        summary,
        body,
        run: {
          method: config.method,
          units: explained.units,
          agg_method: config.aggMethod,
          ...(config.method === 'kernel' && { num_samples: config.numSamples, use_logit: true, seed: config.seed }),
        },
        ...(baseline && { baseline: nullableRows(baseline.rows), baselineComputed: baseline.computed }),
      };
      const partialKey = `${explanationsPrefix(batch, model.version)}/chunks/${rowLabel(start)}-${rowLabel(end)}.json`;
      await putJson(store, partialKey, partial);
      return { partialKey };
    },

    async mergeExplanations({ batch, explanation, partialKeys }) {
      const partials = await Promise.all(partialKeys.map((key) => getJson<ExplanationPartial>(store, key)));
      const first = partials[0];
      if (first === undefined) throw new InputError('is empty', { field: 'partialKeys' }, 'Explain at least one chunk');
      const versions = new Set(partials.map((partial) => partial.modelVersion));
      if (versions.size > 1) {
        throw new InputError(
          `come from the models ${[...versions].join(', ')}`,
          { field: 'partialKeys' },
          'Merge the chunks of one model',
        );
      }

      const config = readAnalysisConfig(explanation, first.summary.absoluteSums.length);
      const prefix = explanationsPrefix(batch, first.modelVersion);
      let localValues = '';
      const analysis = await mergeChunks(
        partials.map((partial) => partial.summary),
        {
          readBody: async function* (index) {
            yield partials[index]!.body;
          },
          write: async (text) => void (localValues += text),
        },
        {
          featureNames: config.featureNames,
          aggMethod: config.aggMethod,
          saveLocalShapValues: true,
          run: {
            ...first.run,
            ...(first.baseline && { baseline: first.baseline, baseline_computed: first.baselineComputed }),
            first_row: 0,
            model_version: first.modelVersion,
          },
        },
      );

      const outCsvKey = `${prefix}/${LOCAL_VALUES_FILE}`;
      const analysisKey = `${prefix}/${ANALYSIS_FILE}`;
      await store.put(outCsvKey, localValues);
      if (first.baseline && first.baselineComputed) {
        await store.put(`${prefix}/${COMPUTED_BASELINE_FILE}`, formatCsv(baselineMatrix(first.baseline)));
      }
      await store.put(analysisKey, analysis);
      return { outCsvKey, analysisKey, expectedValue: first.summary.expectedValue };
    },
  };
}

/** Where the explanations of a batch by one model version are kept: Clarify's output folder. */
function explanationsPrefix(batch: BatchRef, modelVersion: string): string {
  return `${batchFolder(batch)}/explanations/${modelVersion}`;
}

function readAnalysisConfig(explanation: ExplanationPolicy, numFeatures: number): ShapConfig {
  const names = numFeatures === FEATURE_NAMES.length ? FEATURE_NAMES : [];
  return parseClarifyConfig(
    JSON.stringify(explanation.analysisConfig),
    'explanation.analysisConfig',
    numFeatures,
    names,
  );
}

/** Rows [start, end) explained a few at a time, with a heartbeat after each few so a stalled worker is noticed. */
async function explainWithHeartbeats(
  features: Matrix,
  start: number,
  end: number,
  explain: (rows: Matrix, firstRow: number) => Explanation,
): Promise<Explanation> {
  const values = createMatrix(end - start, features.cols);
  const predictions = new Float64Array(end - start);
  let last: Explanation | undefined;
  for (const piece of planChunks(end - start, HEARTBEAT_ROWS)) {
    const firstRow = start + piece.firstRow;
    last = explain(sliceRows(features, { firstRow, rows: piece.rows }), firstRow);
    values.data.set(last.values.data, piece.firstRow * features.cols);
    predictions.set(last.predictions, piece.firstRow);

    heartbeat({ rowsExplained: piece.firstRow + piece.rows, rows: end - start });
    await yieldToEventLoop();
    cancellationSignal().throwIfAborted();
  }
  return { values, predictions, expectedValue: last!.expectedValue, units: last!.units };
}

/** A baseline given as a location names an object of the store: a CSV of encoded baseline rows. */
async function readBaselineObject(store: ObjectStore, location: string): Promise<{ text: string; file: string }> {
  try {
    return { text: await getText(store, location), file: location };
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
    throw new InputError(
      'no object has this key',
      { file: location, field: 'methods.shap.baseline' },
      'Store the baseline CSV under that key, or give the baseline rows inline',
    );
  }
}

function rowLabel(row: number): string {
  return String(row).padStart(6, '0');
}

function nullableRows(rows: Matrix): (number | null)[][] {
  return Array.from({ length: rows.rows }, (_, r) =>
    Array.from(rows.data.subarray(r * rows.cols, (r + 1) * rows.cols), (value) => (Number.isNaN(value) ? null : value)),
  );
}

function baselineMatrix(rows: (number | null)[][]): Matrix {
  return matrixFromRows(
    rows.map((values) => values.map((value) => value ?? Number.NaN)),
    rows[0]?.length ?? 0,
  );
}
