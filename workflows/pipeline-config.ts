/**
 * A pipeline's configuration: its defaults, how a partial configuration is completed, and the checks that reject a
 * bad one. Pure and deterministic, so the CLI checks a configuration before it starts anything and the workflow
 * checks it again when it starts.
 */
import { ApplicationFailure, type Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { InputError } from '../domain/errors.js';
import { FEATURE_COUNT, FEATURE_NAMES } from '../domain/schema.js';
import { parseClarifyConfig } from '../domain/shap/clarify-config.js';
import type {
  ExplanationPolicy,
  PipelineConfig,
  RetrainPolicy,
  ReviewCycleInput,
  ReviewCycleState,
  ReviewPolicy,
  SelectionPolicy,
} from './review-types.js';

/** A configuration with any part left out; {@link resolvePipelineConfig} fills in the defaults. */
export type PipelineConfigOverrides = Partial<
  Omit<PipelineConfig, 'selection' | 'explanation' | 'review' | 'retrain'>
> & {
  selection?: Partial<SelectionPolicy>;
  explanation?: Partial<ExplanationPolicy>;
  review?: Partial<ReviewPolicy>;
  retrain?: Partial<RetrainPolicy>;
};

/** One thing wrong with a configuration: the field, as a dotted path, and what is wrong with it. */
export interface ConfigProblem {
  field: string;
  problem: string;
}

/** The failure type a review cycle fails with when its input is invalid; it is never retried. */
export const invalidPipelineConfigFailure = 'InvalidPipelineConfig';

/** The configuration a pipeline runs with when nothing is said: the current model on the local backend. */
export function defaultPipelineConfig(): PipelineConfig {
  return {
    backend: 'local',
    source: 'adult-stream',
    batchSize: 100,
    modelVersion: 'current',
    threshold: 0.5,
    selection: { negatives: true, band: 0, auditRate: 0, seed: 0 },
    explanation: {
      analysisConfig: {
        version: '1.0',
        dataset_type: 'text/csv',
        methods: { shap: { method: 'kernel', use_logit: true, seed: 0 } },
      },
      chunkSize: 50,
    },
    review: { recordsPerTask: 3, remindAfter: '1 day', expireAfter: '7 days', reviewer: 'human', groups: [] },
    retrain: { kind: 'never', minOverturnRate: 0.2, minLabels: 100 },
  };
}

/** The state a new pipeline starts from: batch 0, nothing counted, nothing requested. */
export function initialReviewCycleState(): ReviewCycleState {
  return {
    nextBatchIndex: 0,
    totals: { batches: 0, scored: 0, sentForReview: 0, agreed: 0, overturned: 0, expired: 0 },
    requestedBatches: 0,
  };
}

/** Completes a partial configuration with the defaults, part by part. */
export function resolvePipelineConfig(overrides: PipelineConfigOverrides = {}): PipelineConfig {
  const defaults = defaultPipelineConfig();
  return {
    ...defaults,
    ...overrides,
    selection: { ...defaults.selection, ...overrides.selection },
    explanation: { ...defaults.explanation, ...overrides.explanation },
    review: { ...defaults.review, ...overrides.review },
    retrain: { ...defaults.retrain, ...overrides.retrain },
  };
}

/** Everything wrong with a configuration, in field order; empty when it can be run. */
export function pipelineConfigProblems(config: PipelineConfig): ConfigProblem[] {
  const check = new Checker();
  check.oneOf('backend', config.backend, ['local', 'aws']);
  check.oneOf('source', config.source, ['adult-stream']);
  check.wholeNumber('batchSize', config.batchSize, 1);
  check.text('modelVersion', config.modelVersion);
  check.fraction('threshold', config.threshold, { open: true });

  if (check.object('selection', config.selection)) {
    check.oneOf('selection.negatives', config.selection.negatives, [true, false]);
    check.fraction('selection.band', config.selection.band, { open: false });
    check.fraction('selection.auditRate', config.selection.auditRate, { open: false });
    check.wholeNumber('selection.seed', config.selection.seed, 0);
  }
  if (check.object('explanation', config.explanation)) {
    check.analysisConfig('explanation.analysisConfig', config.explanation.analysisConfig);
    check.wholeNumber('explanation.chunkSize', config.explanation.chunkSize, 1);
  }
  if (check.object('review', config.review)) {
    check.wholeNumber('review.recordsPerTask', config.review.recordsPerTask, 1);
    check.duration('review.remindAfter', config.review.remindAfter);
    check.duration('review.expireAfter', config.review.expireAfter);
    check.oneOf('review.reviewer', config.review.reviewer, ['human', 'oracle']);
    if (!Array.isArray(config.review.groups) || config.review.groups.some((group) => typeof group !== 'string')) {
      check.fail('review.groups', 'must be a list of group names');
    }
  }
  if (check.object('retrain', config.retrain)) {
    check.oneOf('retrain.kind', config.retrain.kind, ['never', 'overturn-rate']);
    check.fraction('retrain.minOverturnRate', config.retrain.minOverturnRate, { open: false });
    check.wholeNumber('retrain.minLabels', config.retrain.minLabels, 0);
  }
  return check.problems;
}

/** Everything wrong with a review cycle's input, its configuration included (under `config.`). */
export function reviewCycleInputProblems(input: ReviewCycleInput): ConfigProblem[] {
  const check = new Checker();
  check.text('pipelineId', input.pipelineId);
  check.oneOf('pace', input.pace, ['continuous', 'on-request']);
  if (input.maxBatches !== undefined) check.wholeNumber('maxBatches', input.maxBatches, 1);
  if (check.object('state', input.state)) {
    check.wholeNumber('state.nextBatchIndex', input.state.nextBatchIndex, 0);
    check.wholeNumber('state.requestedBatches', input.state.requestedBatches, 0);
    check.object('state.totals', input.state.totals);
  }
  if (check.object('config', input.config)) {
    for (const { field, problem } of pipelineConfigProblems(input.config)) check.fail(`config.${field}`, problem);
  }
  return check.problems;
}

/** Fails, without retry, with every problem of the input named by its field. */
export function validateReviewCycleInput(input: ReviewCycleInput): void {
  const problems = reviewCycleInputProblems(input);
  if (problems.length === 0) return;
  throw ApplicationFailure.create({
    type: invalidPipelineConfigFailure,
    message: `Invalid review cycle input: ${describeProblems(problems)}`,
    nonRetryable: true,
    details: [problems],
  });
}

/** The problems as one sentence, e.g. `threshold must be ...; batchSize must be ...`. */
export function describeProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(({ field, problem }) => `${field} ${problem}`).join('; ');
}

class Checker {
  readonly problems: ConfigProblem[] = [];

  fail(field: string, problem: string): void {
    this.problems.push({ field, problem });
  }

  object(field: string, value: unknown): boolean {
    const ok = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!ok) this.fail(field, 'must be an object');
    return ok;
  }

  oneOf(field: string, value: unknown, allowed: readonly unknown[]): void {
    if (!allowed.includes(value)) {
      this.fail(field, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, not ${show(value)}`);
    }
  }

  text(field: string, value: unknown): void {
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(field, `must be a non-empty text, not ${show(value)}`);
  }

  wholeNumber(field: string, value: unknown, min: number): void {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      this.fail(field, `must be a whole number of at least ${min}, not ${show(value)}`);
    }
  }

  /** A number in (0, 1) when `open`, else in [0, 1]. */
  fraction(field: string, value: unknown, { open }: { open: boolean }): void {
    const inRange = typeof value === 'number' && (open ? value > 0 && value < 1 : value >= 0 && value <= 1);
    if (!inRange)
      this.fail(field, `must be a number ${open ? 'between 0 and 1, exclusive' : 'from 0 to 1'}, not ${show(value)}`);
  }

  duration(field: string, value: unknown): void {
    let ms = Number.NaN;
    try {
      ms = msToNumber(value as Duration);
    } catch {
      // Reported below, with the value.
    }
    if (!(ms > 0)) this.fail(field, `must be a positive duration such as '1 day' or '36 hours', not ${show(value)}`);
  }

  analysisConfig(field: string, value: unknown): void {
    if (!this.object(field, value)) return;
    try {
      parseClarifyConfig(JSON.stringify(value), field, FEATURE_COUNT, FEATURE_NAMES);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const at = error.field === undefined ? field : `${field}.${error.field}`;
      const prefix = error.field === undefined ? `${field}: ` : `${field}, field ${error.field}: `;
      const problem = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      this.fail(at, problem);
    }
  }
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
