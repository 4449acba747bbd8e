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
import { formatCsv, parseNumericCsv } from '../../domain/csv.js';
import { InputError } from '../../domain/errors.js';
import { createMatrix, matrixFromRows, type Matrix } from '../../domain/matrix.js';
import { FEATURE_NAMES } from '../../domain/schema.js';
import {
  computeBaselineInPasses,
  featureKinds,
  resolveBaseline,
  type ResolvedBaseline,
} from '../../domain/shap/baseline.js';
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
import {
  getJson,
  getText,
  ObjectNotFoundError,
  putJson,
  putWritten,
  type ObjectStore,
} from '../../lib/object-store.js';
import type { BatchRef, ExplanationPolicy } from '../../workflows/review-types.js';
import type { ReviewActivities } from '../interfaces.js';
import { batchFeatureBlocks, batchFolder, readBatchFeatureRange } from './batch-objects.js';
import { putImmutable, type LocalContext } from './context.js';

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
      const features = await readBatchFeatureRange(
        store,
        batch,
        { firstRow: start, rows: end - start },
        'start and end',
      );

      const baseline =
        config.method === 'tree'
          ? undefined
          : await chunkBaseline(store, config, features, () => batchBaseline(store, batch, model.version));
      const settings: ExplainSettings = {
        method: config.method,
        numSamples: config.numSamples,
        useLogit: true,
        seed: config.seed,
      };
      const explained = await explainWithHeartbeats(features, start, (rows, firstRow) =>
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
      const { first, summaries } = await readSummaries(store, partialKeys);
      const config = readAnalysisConfig(explanation, first.summary.absoluteSums.length);
      const prefix = explanationsPrefix(batch, first.modelVersion);
      const outCsvKey = `${prefix}/${LOCAL_VALUES_FILE}`;
      const analysisKey = `${prefix}/${ANALYSIS_FILE}`;

      // Out.csv streams into the store, and each pass of the merge reads the partials again one at a time, so the
      // merge holds one chunk's values at a time, whatever the size of the batch.
      const analysis = await putWritten(store, outCsvKey, (write) =>
        mergeChunks(
          summaries,
          {
            readBody: async function* (index) {
              yield (await getJson<ExplanationPartial>(store, partialKeys[index]!)).body;
            },
            write,
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
        ),
      );

      if (first.baseline && first.baselineComputed) {
        await store.put(`${prefix}/${COMPUTED_BASELINE_FILE}`, formatCsv(baselineMatrix(first.baseline)));
      }
      await store.put(analysisKey, analysis);
      return { outCsvKey, analysisKey, expectedValue: first.summary.expectedValue };
    },
  };
}

/** The first partial and every partial's summary, read one partial at a time; the partials must share a model. */
async function readSummaries(
  store: ObjectStore,
  partialKeys: readonly string[],
): Promise<{ first: ExplanationPartial; summaries: ChunkSummary[] }> {
  let first: ExplanationPartial | undefined;
  const summaries: ChunkSummary[] = [];
  const versions = new Set<string>();
  for (const key of partialKeys) {
    const partial = await getJson<ExplanationPartial>(store, key);
    first ??= partial;
    summaries.push(partial.summary);
    versions.add(partial.modelVersion);
  }
  if (first === undefined) throw new InputError('is empty', { field: 'partialKeys' }, 'Explain at least one chunk');
  if (versions.size > 1) {
    throw new InputError(
      `come from the models ${[...versions].join(', ')}`,
      { field: 'partialKeys' },
      'Merge the chunks of one model',
    );
  }
  return { first, summaries };
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

/**
 * The rows of a chunk, the batch's rows from `start` on, explained a few at a time, with a heartbeat after each few
 * so a stalled worker is noticed.
 */
async function explainWithHeartbeats(
  features: Matrix,
  start: number,
  explain: (rows: Matrix, firstRow: number) => Explanation,
): Promise<Explanation> {
  const values = createMatrix(features.rows, features.cols);
  const predictions = new Float64Array(features.rows);
  let last: Explanation | undefined;
  for (const piece of planChunks(features.rows, HEARTBEAT_ROWS)) {
    last = explain(sliceRows(features, piece), start + piece.firstRow);
    values.data.set(last.values.data, piece.firstRow * features.cols);
    predictions.set(last.predictions, piece.firstRow);

    heartbeat({ rowsExplained: piece.firstRow + piece.rows, rows: features.rows });
    await yieldToEventLoop();
    cancellationSignal().throwIfAborted();
  }
  return { values, predictions, expectedValue: last!.expectedValue, units: last!.units };
}

/** The baseline a chunk's rows are explained against; `computed` gives the one computed over their batch. */
async function chunkBaseline(
  store: ObjectStore,
  config: ShapConfig,
  features: Matrix,
  computed: () => Promise<Matrix>,
): Promise<ResolvedBaseline> {
  if (config.baseline.kind === 'computed') return { rows: await computed(), computed: true };
  return resolveBaseline(config.baseline, features, (location) => readBaselineObject(store, location));
}

/** Rows of the batch read at a time while its baseline is computed. */
const BASELINE_BLOCK_ROWS = 10_000;

/**
 * The baseline computed over a whole batch, so that every chunk explains against the same one. The first chunk to
 * need it computes it in passes over the stored batch, holding a block of rows at a time and heartbeating after
 * each, and stores it for the others: a batch of any size is read a few times, not a few times per chunk.
 */
async function batchBaseline(store: ObjectStore, batch: BatchRef, modelVersion: string): Promise<Matrix> {
  const key = `${explanationsPrefix(batch, modelVersion)}/chunks/baseline.csv`;
  const stored = await getText(store, key).catch((error: unknown) => {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  });
  if (stored !== undefined) return parseNumericCsv(stored, key, FEATURE_NAMES);

  const everyRow = { firstRow: 0, rows: batch.rows };
  let baselineRowsRead = 0;
  const rows = await computeBaselineInPasses(async function* () {
    for await (const block of batchFeatureBlocks(store, batch, everyRow, BASELINE_BLOCK_ROWS)) {
      baselineRowsRead += block.rows;
      heartbeat({ baselineRowsRead });
      cancellationSignal().throwIfAborted();
      yield block;
    }
  }, featureKinds(FEATURE_NAMES.length));
  await putImmutable(store, key, formatCsv(rows), 'the batch changed after its baseline was computed');
  return rows;
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
