import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import {
  DEFAULT_HYPERPARAMETERS,
  trainModel,
  type Hyperparameters,
  type RoundProgress,
  type TrainingMetrics,
} from '../lib/training.js';
import type { Command } from './main.js';

const usage = 'train --out DIR [--hyperparameters k=v ...] [--train CSV] [--validation CSV]';

export const trainCommand: Command = {
  usage,
  summary: [
    'Trains an XGBoost model as a SageMaker training job does and writes DIR/model.json (XGBoost JSON) and',
    'DIR/metrics.json (AUC, accuracy and log loss on validation and on the holdout, with the hyperparameters',
    'and data checksums used). CSVs have no header, the label (0 or 1) first, then the 14 encoded features;',
    'by default the bundled UCI Adult splits are used. Each k=v overrides one default hyperparameter:',
    `  ${Object.entries(DEFAULT_HYPERPARAMETERS)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
  ].join('\n'),
  async run(args) {
    const { out, train, validation, hyperparameters } = parseTrainArgs(args);
    const controller = new AbortController();
    const cancel = () => controller.abort();
    process.once('SIGINT', cancel);
    try {
      const { metrics, modelPath, metricsPath } = await trainModel({
        outDir: out,
        hyperparameters: { ...DEFAULT_HYPERPARAMETERS, ...hyperparameters },
        trainCsv: train,
        validationCsv: validation,
        onProgress: (progress) => console.error(describeRound(progress)),
        signal: controller.signal,
      });
      console.log(`Wrote ${modelPath} and ${metricsPath}\n\n${describeMetrics(metrics)}`);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      console.error('review-cycle train: stopped; no model written');
      process.exit(130);
    } finally {
      process.off('SIGINT', cancel);
    }
  },
};

interface TrainArgs {
  out: string;
  train?: string;
  validation?: string;
  hyperparameters: Hyperparameters;
}

/** Reads the options; every word after `--hyperparameters` up to the next option is one `name=value`. */
function parseTrainArgs(args: string[]): TrainArgs {
  const { values, tokens } = parseArgs({
    args,
    allowPositionals: true,
    tokens: true,
    options: {
      out: { type: 'string' },
      train: { type: 'string' },
      validation: { type: 'string' },
      hyperparameters: { type: 'string', multiple: true },
    },
  });
  if (!values.out) throw new InputError('--out is required', {}, `Usage: review-cycle ${usage}`);

  const pairs = [...(values.hyperparameters ?? [])];
  let lastOption: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'option') lastOption = token.name;
    if (token.kind !== 'positional') continue;
    if (lastOption !== 'hyperparameters') {
      throw new InputError(`unexpected argument '${token.value}'`, {}, `Usage: review-cycle ${usage}`);
    }
    pairs.push(token.value);
  }

  const hyperparameters: Hyperparameters = {};
  for (const pair of pairs) {
    const match = /^([^=\s]+)=(.+)$/.exec(pair);
    if (!match) {
      throw new InputError(`hyperparameter '${pair}' is not name=value`, {}, 'Write e.g. eta=0.1');
    }
    hyperparameters[match[1]!] = match[2]!;
  }
  return { out: values.out, train: values.train, validation: values.validation, hyperparameters };
}

function describeRound({ round, total, validation }: RoundProgress): string {
  const metrics = Object.entries(validation ?? {}).map(([name, value]) => `validation-${name} ${value.toFixed(5)}`);
  return [`round ${round}/${total}`, ...metrics].join('  ');
}

function describeMetrics(metrics: TrainingMetrics): string {
  const cell = (value: number | null) => (value === null ? 'n/a' : value.toFixed(4)).padEnd(10);
  const lines = [`${'data set'.padEnd(12)}${'AUC'.padEnd(10)}${'accuracy'.padEnd(10)}log loss`];
  for (const name of ['validation', 'test'] as const) {
    const { auc, accuracy, logLoss, rows } = metrics[name];
    lines.push(`${name.padEnd(12)}${cell(auc)}${cell(accuracy)}${cell(logLoss)}(${rows} rows)`);
  }
  lines.push('', `${metrics.rounds} rounds, XGBoost ${metrics.xgboostVersion}`);
  return lines.join('\n');
}
