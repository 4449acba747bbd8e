/**
 * A pipeline's configuration as a user writes it: a JSON file with any part of a {@link PipelineConfig}, and flags
 * that override single fields. Checked field by field before anything starts, so that every problem names the file
 * field or the flag it came from, and a misspelt field is reported rather than silently left at its default.
 */
import { InputError } from '../domain/errors.js';
import {
  defaultPipelineConfig,
  describeProblems,
  pipelineConfigProblems,
  resolvePipelineConfig,
  type ConfigProblem,
  type PipelineConfigOverrides,
} from '../workflows/pipeline-config.js';
import type { PipelineConfig } from '../workflows/review-types.js';

/** The fields a flag can set, by the flag that sets them. */
export interface PipelineFlags {
  '--batch-size'?: number;
  '--model'?: string;
  '--threshold'?: number;
  '--reviewer'?: string;
}

const flagFields: Record<keyof PipelineFlags, string> = {
  '--batch-size': 'batchSize',
  '--model': 'modelVersion',
  '--threshold': 'threshold',
  '--reviewer': 'review.reviewer',
};

/** `current`, or a registry version such as `v0003`. */
const modelVersionPattern = /^(current|v\d{4,})$/;

/** The parts of a configuration that hold fields of their own; `explanation.analysisConfig` is Clarify's, free-form. */
const sections = ['selection', 'explanation', 'review', 'retrain'] as const;

/**
 * Reads a configuration file's text into overrides of the defaults. Throws an {@link InputError} naming the file and
 * every bad field: JSON that does not parse, an unknown field, a value out of range, an unknown policy kind.
 */
export function parsePipelineConfigFile(text: string, file: string): PipelineConfigOverrides {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`is not JSON (${(error as Error).message})`, { file }, 'Write the configuration as JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('must hold a JSON object of configuration fields', { file });
  }

  const overrides = parsed as PipelineConfigOverrides;
  const problems = [...unknownFields(overrides), ...configProblems(resolvePipelineConfig(overrides))];
  if (problems.length > 0) {
    throw new InputError(describeProblems(problems), { file }, 'Correct these fields of the file');
  }
  return overrides;
}

/**
 * Applies the flags to a configuration and checks the result; a problem is named by its flag. Check the file first
 * with {@link parsePipelineConfigFile}, so that what is left to blame is a flag.
 */
export function applyPipelineFlags(overrides: PipelineConfigOverrides, flags: PipelineFlags): PipelineConfig {
  const config = resolvePipelineConfig(overrides);
  if (flags['--batch-size'] !== undefined) config.batchSize = flags['--batch-size'];
  if (flags['--model'] !== undefined) config.modelVersion = flags['--model'];
  if (flags['--threshold'] !== undefined) config.threshold = flags['--threshold'];
  if (flags['--reviewer'] !== undefined)
    config.review.reviewer = flags['--reviewer'] as PipelineConfig['review']['reviewer'];

  const byField = new Map(Object.entries(flagFields).map(([flag, field]) => [field, flag]));
  const problems = configProblems(config).map(({ field, problem }) => ({
    field: byField.get(field) ?? field,
    problem,
  }));
  if (problems.length > 0) throw new InputError(describeProblems(problems));
  return config;
}

/** The checks of the workflow, and the model version's spelling, which the workflow finds out only when it runs. */
function configProblems(config: PipelineConfig): ConfigProblem[] {
  const problems = pipelineConfigProblems(config);
  if (typeof config.modelVersion === 'string' && !modelVersionPattern.test(config.modelVersion)) {
    const problem = `must be current or a version such as v0001, not ${JSON.stringify(config.modelVersion)}`;
    problems.push({ field: 'modelVersion', problem });
  }
  return problems;
}

function unknownFields(overrides: PipelineConfigOverrides): ConfigProblem[] {
  const defaults = defaultPipelineConfig() as unknown as Record<string, unknown>;
  const given = overrides as Record<string, unknown>;
  const problems = Object.keys(given)
    .filter((field) => !(field in defaults))
    .map((field) => unknown(field, Object.keys(defaults)));
  for (const section of sections) {
    const fields = given[section];
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) continue;
    const known = Object.keys(defaults[section] as object);
    for (const field of Object.keys(fields)) {
      if (!known.includes(field)) problems.push(unknown(`${section}.${field}`, known));
    }
  }
  return problems;
}

function unknown(field: string, known: string[]): ConfigProblem {
  return { field, problem: `is not a configuration field (known here: ${known.join(', ')})` };
}
