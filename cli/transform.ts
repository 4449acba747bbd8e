import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { transformCsv, transformOutputName } from '../domain/batch-transform.js';
import { InputError } from '../domain/errors.js';
import { parseXGBoostModel } from '../domain/xgboost-model.js';
import { readInputFile, writeFileAtomic } from '../lib/files.js';
import type { Command } from './main.js';

export const transformCommand: Command = {
  usage: 'transform --model MODEL.json --input CSV --out DIR',
  summary: [
    'Scores a CSV of encoded features (no header, no label, columns in schema order) as a SageMaker batch',
    'transform does: DIR/<input name>.out gets one probability of >50K per input row.',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { model: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' } },
    });
    for (const name of ['model', 'input', 'out'] as const) {
      if (!values[name]) throw new InputError(`--${name} is required`, {}, `Usage: review-cycle ${this.usage}`);
    }
    const model = parseXGBoostModel(await readInputFile(values.model!, 'model'), values.model);
    const output = transformCsv(model, await readInputFile(values.input!, 'input CSV'), values.input!);
    const path = join(values.out!, transformOutputName(basename(values.input!)));
    await writeFileAtomic(path, output);
    console.error(`wrote ${output.split('\n').length - 1} probabilities to ${path}`);
  },
};
