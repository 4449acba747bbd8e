/**
 * Peak memory of explaining a batch in chunks and merging them, as the batch grows a hundredfold: each size is
 * staged in an object store of its own, then explained by the local backend's `explainChunk` (every chunk) and
 * `mergeExplanations`, each step in a fresh process whose peak RSS is the step's alone.
 *
 * The steps run with V8's old generation capped, as a worker in a container would be. Uncapped, V8 collects large
 * garbage late, so a process that runs 200 chunks peaks higher than one that runs 2 even when both hold the same,
 * and the peak would measure the garbage rather than what the code keeps.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { batchPrefix, formatRowsCsv, INPUT_FILE, ROWS_FILE } from '../activities/local/batch-objects.js';
import { formatCsvRow } from '../domain/csv.js';
import { loadAdultFile, type LabelledRows } from '../domain/dataset.js';
import { row } from '../domain/matrix.js';
import { FileObjectStore } from '../lib/object-store.js';
import type { BatchRef, ExplanationPolicy, ModelRef } from '../workflows/review-types.js';
import { registerBenchModel } from './cycle-environment.js';
import type { StepInput, StepResult } from './fan-out-memory-step.js';
import { BENCH_DIR, ROOT } from './fixtures.js';

const run = promisify(execFile);

const BATCH_ROWS = [2_000, 20_000, 200_000];
const HEAP_CAP_MB = 128;
/** The largest batch's peak RSS may be this many times the smallest's. */
const FLAT_RATIO_TARGET = 1.5;

/**
 * Exact baseline Shapley values explain the largest batch within a minute on two cores. Without a baseline in the
 * configuration, the baseline is computed over the whole batch, and the median global value is the aggregate
 * that reads the chunks most, once per pass of its selection: the two steps that must see every row.
 */
const EXPLANATION: ExplanationPolicy = {
  analysisConfig: { version: '1.0', methods: { shap: { method: 'baseline-exact', agg_method: 'median' } } },
  chunkSize: 1_000,
};

interface SizeRun {
  rows: number;
  chunks: number;
  chunkStep: StepResult;
  mergeStep: StepResult;
  outCsvMb: number;
}

/** Explains batches of 2,000, 20,000 and 200,000 rows of adult.test, repeated, and compares their peak RSS. */
export async function benchFanOutMemory() {
  const test = loadAdultFile('test');
  const runs: SizeRun[] = [];
  for (const rows of BATCH_ROWS) runs.push(await explainBatchOf(rows, test));

  const smallest = runs[0]!;
  const largest = runs.at(-1)!;
  const peak = (size: SizeRun) => Math.max(size.chunkStep.peakRssMb, size.mergeStep.peakRssMb);
  const ratio = peak(largest) / peak(smallest);
  return {
    name: 'fan-out-memory',
    method: 'baseline-exact, computed baseline, median global values',
    chunkRows: EXPLANATION.chunkSize,
    heapCapMb: HEAP_CAP_MB,
    ...Object.fromEntries(runs.flatMap(sizeFigures)),
    chunkPeakRatioLargestToSmallest: largest.chunkStep.peakRssMb / smallest.chunkStep.peakRssMb,
    mergePeakRatioLargestToSmallest: largest.mergeStep.peakRssMb / smallest.mergeStep.peakRssMb,
    peakRatioLargestToSmallest: ratio,
    target: FLAT_RATIO_TARGET,
    meetsTarget: ratio < FLAT_RATIO_TARGET,
  };
}

function sizeFigures(size: SizeRun): [string, number][] {
  const at = `rows${size.rows}`;
  return [
    [`${at}Chunks`, size.chunks],
    [`${at}ChunkSeconds`, size.chunkStep.seconds],
    [`${at}ChunkPeakRssMb`, size.chunkStep.peakRssMb],
    [`${at}MergeSeconds`, size.mergeStep.seconds],
    [`${at}MergePeakRssMb`, size.mergeStep.peakRssMb],
    [`${at}StartRssMb`, Math.max(size.chunkStep.startRssMb, size.mergeStep.startRssMb)],
    [`${at}OutCsvMb`, size.outCsvMb],
  ];
}

/** Stages a batch of `rows` rows in a fresh store, explains it in chunks, merges them, and removes the store. */
async function explainBatchOf(rows: number, test: LabelledRows): Promise<SizeRun> {
  const objectsDir = join(BENCH_DIR, 'fan-out-memory', `rows-${rows}`);
  await rm(objectsDir, { recursive: true, force: true });
  try {
    const store = new FileObjectStore(objectsDir);
    const { version, modelKey } = await registerBenchModel(store);
    const model: ModelRef = { version, modelKey };
    const batch = await stageBatch(store, rows, test);

    const base = { objectsDir, batch, model, explanation: EXPLANATION };
    const chunkStep = await runStep({ step: 'chunks', ...base });
    const mergeStep = await runStep({ step: 'merge', ...base, partialKeys: chunkStep.partialKeys });
    const outCsv = await store.head(mergeStep.outCsvKey!);
    const chunks = chunkStep.partialKeys.length;
    return { rows, chunks, chunkStep, mergeStep, outCsvMb: (outCsv?.size ?? Number.NaN) / (1024 * 1024) };
  } finally {
    await rm(objectsDir, { recursive: true, force: true });
  }
}

/** A batch of `rows` rows: adult.test's rows in file order, repeated as often as needed. */
async function stageBatch(store: FileObjectStore, rows: number, test: LabelledRows): Promise<BatchRef> {
  const source = test.features.rows;
  let input = '';
  for (let r = 0; r < rows; r++) input += `${formatCsvRow(row(test.features, r % source))}\n`;
  const rowIds = Array.from({ length: rows }, (_, r) => `bench-${String(r + 1).padStart(6, '0')}`);
  const labels = Uint8Array.from({ length: rows }, (_, r) => test.labels[r % source]!);

  const batchId = `rows-${rows}`;
  const prefix = batchPrefix('bench-fan-out', batchId);
  const batch = {
    batchId,
    batchIndex: 0,
    rows,
    inputKey: `${prefix}/${INPUT_FILE}`,
    rowsKey: `${prefix}/${ROWS_FILE}`,
  };
  await store.put(batch.inputKey, input);
  await store.put(batch.rowsKey, formatRowsCsv({ rowIds, labels }));
  return batch;
}

/** Runs one step in a child process and returns what it measured. */
async function runStep(input: StepInput): Promise<StepResult> {
  const args = [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', 'tsx', join(ROOT, 'bench/fan-out-memory-step.ts')];
  try {
    const { stdout } = await run(process.execPath, [...args, JSON.stringify(input)], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as StepResult;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`The ${input.step} step of ${input.batch.rows} rows failed:\n${stderr.slice(-2000)}`);
  }
}
