/** The flags that configure a pipeline, shared by `pipeline start`, `cycle` and `schedule create`. */
import { InputError } from '../domain/errors.js';
import { readInputFile } from '../lib/files.js';
import { applyPipelineFlags, parsePipelineConfigFile } from '../lib/pipeline-config-file.js';
import type { BatchSizeRequest } from '../lib/pipeline-resume.js';
import type { PipelineConfigOverrides } from '../workflows/pipeline-config.js';
import type { PipelineConfig } from '../workflows/review-types.js';
import { defaultPipelineId, readNumber, readPipelineId } from './options.js';

export const pipelineOptions = {
  pipeline: { type: 'string' },
  config: { type: 'string' },
  'batch-size': { type: 'string' },
  reviewer: { type: 'string' },
  model: { type: 'string' },
  threshold: { type: 'string' },
} as const;

export const pipelineOptionsUsage =
  '[--pipeline ID] [--config FILE.json] [--batch-size N] [--reviewer human|oracle] [--model VERSION|current] ' +
  '[--threshold X]';

export const pipelineOptionsHelp = [
  `  --pipeline ID        the pipeline's id; its workflow is review-pipeline-ID (default: ${defaultPipelineId})`,
  '  --config FILE.json   any part of the configuration: batchSize, modelVersion, threshold, selection, explanation,',
  '                       review, retrain; the flags below override it',
  '  --batch-size N       records per batch (default 100)',
  '  --reviewer KIND      human (the review app, the default) or oracle (answers from the true labels)',
  '  --model VERSION      a registry version such as v0002, or current (the default)',
  '  --threshold X        probabilities below X are negative outcomes, sent for review (default 0.5)',
];

type PipelineOptionValues = { [name in keyof typeof pipelineOptions]?: string };

/** What the pipeline flags say, checked. */
export interface PipelineOptions {
  pipelineId: string;
  /** The whole configuration: the defaults, the file's fields over them, the flags over those. */
  config: PipelineConfig;
  /** The batch size the flag or the file asked for, told apart from the default, which a pipeline's own overrides. */
  batchSizeRequest?: BatchSizeRequest;
}

/** The pipeline id and its whole configuration, checked: a bad file field or flag is an {@link InputError}. */
export async function readPipelineOptions(values: PipelineOptionValues): Promise<PipelineOptions> {
  const pipelineId = readPipelineId(values.pipeline);
  const overrides =
    values.config === undefined
      ? {}
      : parsePipelineConfigFile(await readInputFile(values.config, 'configuration'), values.config);
  if (values.reviewer !== undefined && values.reviewer !== 'human' && values.reviewer !== 'oracle') {
    throw new InputError(`--reviewer must be human or oracle, not '${values.reviewer}'`);
  }
  const config = applyPipelineFlags(overrides, {
    ...(values['batch-size'] !== undefined && { '--batch-size': readNumber(values['batch-size'], '--batch-size') }),
    ...(values.model !== undefined && { '--model': values.model }),
    ...(values.threshold !== undefined && { '--threshold': readNumber(values.threshold, '--threshold') }),
    ...(values.reviewer !== undefined && { '--reviewer': values.reviewer }),
  });
  return { pipelineId, config, ...requestedBatchSize(values, overrides, config.batchSize) };
}

function requestedBatchSize(
  values: PipelineOptionValues,
  overrides: PipelineConfigOverrides,
  size: number,
): Pick<PipelineOptions, 'batchSizeRequest'> {
  if (values['batch-size'] !== undefined) return { batchSizeRequest: { size, where: { field: '--batch-size' } } };
  if (overrides.batchSize === undefined) return {};
  return { batchSizeRequest: { size, where: { file: values.config, field: 'batchSize' } } };
}
