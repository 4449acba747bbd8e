import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSplit, type Split } from '../domain/dataset.js';
import { InputError } from '../domain/errors.js';
import { checkTrainingCsv, formatTrainingCsv } from '../domain/training-csv.js';
import { readInputFile } from './files.js';
import { runPythonScript } from './python.js';

/** Hyperparameters as SageMaker's XGBoost takes them: names to string values. */
export type Hyperparameters = Record<string, string>;

/**
 * The hyperparameters of the well-known SageMaker XGBoost example on UCI Adult: shallow trees (`max_depth` 5)
 * learning at `eta` 0.2 for 100 rounds, with `gamma` 4 and `min_child_weight` 6 holding back splits that gain
 * little, and each tree grown on 80% of the rows. On the holdout they reach an AUC of about 0.92.
 */
export const DEFAULT_HYPERPARAMETERS: Readonly<Hyperparameters> = {
  max_depth: '5',
  eta: '0.2',
  gamma: '4',
  min_child_weight: '6',
  subsample: '0.8',
  objective: 'binary:logistic',
  num_round: '100',
};

/** One finished boosting round, with the latest value of each evaluation metric per data set. */
export interface RoundProgress {
  round: number;
  total: number;
  train?: Record<string, number>;
  validation?: Record<string, number>;
}

/** How a model does on one labelled data set; accuracy counts a probability above 0.5 as a yes. */
export interface EvaluationMetrics {
  /** Null when the data set holds only one class. */
  auc: number | null;
  accuracy: number;
  logLoss: number;
  rows: number;
}

/** A data file a model was trained or evaluated on, identified by the sha256 of its bytes. */
export interface DataFileChecksum {
  file: string;
  sha256: string;
  rows: number;
}

/** The content of `metrics.json`: what a model scores and exactly how it was made. */
export interface TrainingMetrics {
  objective: 'binary:logistic';
  xgboostVersion: string;
  /** ISO 8601, UTC. */
  trainedAt: string;
  /** As applied, with the default objective filled in. */
  hyperparameters: Hyperparameters;
  rounds: number;
  data: { train: DataFileChecksum; validation: DataFileChecksum; test: DataFileChecksum };
  validation: EvaluationMetrics;
  /** On the bundled holdout, which no model is ever trained on. */
  test: EvaluationMetrics;
}

export interface TrainModelOptions {
  /** Receives `model.json` and `metrics.json`; created when missing. */
  outDir: string;
  /** @default {@link DEFAULT_HYPERPARAMETERS} */
  hyperparameters?: Hyperparameters;
  /** A training CSV (label first, no header) in place of the bundled training split. */
  trainCsv?: string;
  /** A validation CSV (label first, no header) in place of the bundled validation split. */
  validationCsv?: string;
  onProgress?: (progress: RoundProgress) => void;
  /** Aborting stops training; nothing is written to `outDir`. */
  signal?: AbortSignal;
}

export interface TrainedModel {
  modelPath: string;
  metricsPath: string;
  metrics: TrainingMetrics;
}

type RunnerEvent =
  ({ event: 'round' } & RoundProgress) | { event: 'error'; kind: 'input'; message: string } | { event: 'done' };

/**
 * Trains a model with the real XGBoost library through `python/train_xgboost.py` and writes `model.json`
 * (XGBoost JSON) and `metrics.json` to `outDir`, both complete or neither. Test metrics are always on the
 * bundled holdout. Throws an {@link InputError} for a bad CSV or hyperparameter, before or during training.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainedModel> {
  const { hyperparameters = DEFAULT_HYPERPARAMETERS, onProgress, signal } = options;
  signal?.throwIfAborted();
  const outDir = resolve(options.outDir);
  await checkOutDir(outDir);
  const train = options.trainCsv === undefined ? undefined : await checkUserCsv(options.trainCsv, 'training CSV');
  const validation =
    options.validationCsv === undefined ? undefined : await checkUserCsv(options.validationCsv, 'validation CSV');

  const work = await mkdtemp(join(tmpdir(), 'review-cycle-train-'));
  try {
    const channels = {
      train: train ?? (await writeBundledSplit(work, 'train')),
      validation: validation ?? (await writeBundledSplit(work, 'validation')),
      test: await writeBundledSplit(work, 'holdout'),
    };
    const hyperparametersFile = join(work, 'hyperparameters.json');
    await writeFile(hyperparametersFile, JSON.stringify(hyperparameters, null, 2));

    let inputProblem: string | undefined;
    const args = [
      ...['--train', channels.train, '--validation', channels.validation, '--test', channels.test],
      ...['--hyperparameters', hyperparametersFile, '--out', outDir],
    ];
    await runPythonScript('train_xgboost.py', args, {
      signal,
      cwd: work,
      onMessage: (message) => {
        const event = message as RunnerEvent;
        if (event.event === 'round') {
          const { round, total, train, validation } = event;
          onProgress?.({ round, total, train, validation });
        }
        if (event.event === 'error') inputProblem = event.message;
      },
    }).catch((error: unknown) => {
      throw inputProblem === undefined ? error : new InputError(inputProblem);
    });

    const metricsPath = join(outDir, 'metrics.json');
    const metrics = JSON.parse(await readFile(metricsPath, 'utf8')) as TrainingMetrics;
    return { modelPath: join(outDir, 'model.json'), metricsPath, metrics };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function checkOutDir(outDir: string): Promise<void> {
  const found = await stat(outDir).catch(() => undefined);
  if (found !== undefined && !found.isDirectory()) {
    throw new InputError(
      'the output folder is a file',
      { file: outDir },
      'Give a folder for model.json and metrics.json',
    );
  }
}

/** Checks a user's CSV against the training contract and returns its absolute path. */
async function checkUserCsv(path: string, what: string): Promise<string> {
  checkTrainingCsv(await readInputFile(path, what), path);
  return resolve(path);
}

const bundledCsv = new Map<Split, string>();

/** Writes a bundled split as a training CSV; its name, relative to the work folder, is what metrics.json records. */
async function writeBundledSplit(work: string, split: Split): Promise<string> {
  const name = `adult-${split}.csv`;
  let text = bundledCsv.get(split);
  if (text === undefined) bundledCsv.set(split, (text = formatTrainingCsv(loadSplit(split))));
  await writeFile(join(work, name), text);
  return name;
}
