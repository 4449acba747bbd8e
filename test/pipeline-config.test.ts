import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultPipelineConfig,
  initialReviewCycleState,
  pipelineConfigProblems,
  resolvePipelineConfig,
  validateReviewCycleInput,
  type PipelineConfigOverrides,
} from '../workflows/pipeline-config.js';

function fieldsWrongIn(overrides: PipelineConfigOverrides): string[] {
  return pipelineConfigProblems(resolvePipelineConfig(overrides)).map((problem) => problem.field);
}

describe('a pipeline configuration', () => {
  it('is complete and valid by default, and keeps the defaults of the parts an override leaves out', () => {
    assert.deepEqual(pipelineConfigProblems(defaultPipelineConfig()), []);

    const config = resolvePipelineConfig({ threshold: 0.4, review: { reviewer: 'oracle' } });
    assert.equal(config.threshold, 0.4);
    assert.equal(config.review.reviewer, 'oracle');
    assert.equal(config.review.recordsPerTask, 3);
    assert.equal(config.review.remindAfter, '1 day');
    assert.equal(config.review.expireAfter, '7 days');
    assert.equal(config.batchSize, 100);
  });

  it('is rejected with the field named for a threshold outside (0, 1)', () => {
    for (const threshold of [0, 1, -0.2, 1.5, Number.NaN])
      assert.deepEqual(fieldsWrongIn({ threshold }), ['threshold']);
  });

  it('is rejected for a batch size, task size or chunk size below 1 or not whole', () => {
    assert.deepEqual(fieldsWrongIn({ batchSize: 0 }), ['batchSize']);
    assert.deepEqual(fieldsWrongIn({ batchSize: 2.5 }), ['batchSize']);
    assert.deepEqual(fieldsWrongIn({ review: { recordsPerTask: 0 } }), ['review.recordsPerTask']);
    assert.deepEqual(fieldsWrongIn({ explanation: { chunkSize: 0 } }), ['explanation.chunkSize']);
  });

  it('is rejected for an unknown policy kind, reviewer or explanation method, naming each field', () => {
    const problems = pipelineConfigProblems(
      resolvePipelineConfig({
        retrain: { kind: 'sometimes' as 'never' },
        review: { reviewer: 'crowd' as 'human' },
        explanation: { analysisConfig: { methods: { shap: { method: 'magic' } } } },
      }),
    );
    assert.deepEqual(
      problems.map((problem) => problem.field),
      ['explanation.analysisConfig.methods.shap.method', 'review.reviewer', 'retrain.kind'],
    );
    assert.match(problems[2]!.problem, /must be one of "never", "overturn-rate", not "sometimes"/);
    assert.match(problems[0]!.problem, /unknown value "magic"/);
  });

  it('is rejected for a reminder or expiry that is not a positive duration', () => {
    assert.deepEqual(fieldsWrongIn({ review: { remindAfter: 'soon' as '1 day', expireAfter: 0 } }), [
      'review.remindAfter',
      'review.expireAfter',
    ]);
  });

  it('fails a review cycle without retry, with every problem in the message', () => {
    const config = resolvePipelineConfig({ threshold: 2, batchSize: 0 });
    const input = { pipelineId: 'p', config, pace: 'continuous' as const, state: initialReviewCycleState() };
    assert.throws(
      () => validateReviewCycleInput(input),
      (error: unknown) =>
        error instanceof ApplicationFailure &&
        error.nonRetryable &&
        error.type === 'InvalidPipelineConfig' &&
        /config\.batchSize must be a whole number of at least 1, not 0; config\.threshold must be/.test(error.message),
    );
    assert.doesNotThrow(() => validateReviewCycleInput({ ...input, config: defaultPipelineConfig() }));
  });
});
