/**
 * One step of the fan-out-memory benchmark, in a process of its own so that the process's peak RSS is the step's:
 * `chunks` explains every chunk of a staged batch, one activity call after another as a single worker would take
 * them, and `merge` merges the chunks. Both call the local backend's activities in an activity context.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createLocalActivities } from '../activities/local/index.js';
import { planChunks } from '../domain/shap/explain-rows.js';
import { ModelRegistry } from '../lib/model-registry.js';
import { FileObjectStore } from '../lib/object-store.js';
import type { BatchRef, ExplanationPolicy, ModelRef } from '../workflows/review-types.js';

export interface StepInput {
  step: 'chunks' | 'merge';
  objectsDir: string;
  batch: BatchRef;
  model: ModelRef;
  explanation: ExplanationPolicy;
  /** The chunks to merge; the merge step only. */
  partialKeys?: string[];
}

export interface StepResult {
  seconds: number;
  /** RSS once everything is loaded, before the step starts. */
  startRssMb: number;
  peakRssMb: number;
  /** What the chunks step wrote. */
  partialKeys: string[];
  /** What the merge step wrote. */
  outCsvKey?: string;
}

const MB = 1024 * 1024;

async function runStep(input: StepInput): Promise<StepResult> {
  const store = new FileObjectStore(input.objectsDir);
  const { explainChunk, mergeExplanations } = createLocalActivities({ store, registry: new ModelRegistry(store) });
  const { batch, model, explanation } = input;
  // Each activity call gets a context of its own, as on a worker.
  const run = <I, O>(activity: (arg: I) => Promise<O>, arg: I): Promise<O> =>
    new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(activity, arg);

  const startRssMb = process.memoryUsage().rss / MB;
  const started = performance.now();
  const partialKeys: string[] = [];
  let outCsvKey: string | undefined;
  if (input.step === 'chunks') {
    for (const { firstRow, rows } of planChunks(batch.rows, explanation.chunkSize)) {
      const chunk = { batch, model, explanation, start: firstRow, end: firstRow + rows };
      partialKeys.push((await run(explainChunk, chunk)).partialKey);
    }
  } else {
    ({ outCsvKey } = await run(mergeExplanations, { batch, explanation, partialKeys: input.partialKeys ?? [] }));
  }
  const seconds = (performance.now() - started) / 1000;
  // maxRSS is in kilobytes.
  return { seconds, startRssMb, peakRssMb: process.resourceUsage().maxRSS / 1024, partialKeys, outCsvKey };
}

console.log(JSON.stringify(await runStep(JSON.parse(process.argv[2]!) as StepInput)));
