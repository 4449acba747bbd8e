import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { formatCsv } from '../domain/csv.js';
import { loadAdultFile } from '../domain/dataset.js';
import { FEATURE_NAMES } from '../domain/schema.js';
import { sliceRows } from '../domain/shap/explain-rows.js';
import { parseXGBoostModel, predictProbabilities } from '../domain/xgboost-model.js';
import { scratchDir } from './helpers/reference.js';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;
const cli = join(root, 'bin/review-cycle.js');
const modelFile = join(root, 'test/fixtures/tiny-model.json');
const rows = sliceRows(loadAdultFile('test').features, { firstRow: 0, rows: 500 });
const means = [38.77, 2.2, 189435.68, 10.07, 10.07, 2.6, 5.97, 1.45, 3.68, 0.67, 1081.91, 87.9, 40.39, 36.42];

interface Analysis {
  explanations: { kernel_shap: { label0: { expected_value: number; global_shap_values: Record<string, number> } } };
  review_cycle: { method: string; units: string };
}

describe('review-cycle explain', () => {
  let dir: string;
  let input: string;

  async function writeConfig(name: string, shap: Record<string, unknown>): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify({ dataset_type: 'text/csv', methods: { shap } }));
    return path;
  }

  function explain(config: string, out: string, ...extra: string[]) {
    return run('node', [
      cli,
      'explain',
      '--model',
      modelFile,
      '--input',
      input,
      '--config',
      config,
      '--out',
      out,
      ...extra,
    ]);
  }

  before(async () => {
    dir = await scratchDir('explain');
    input = join(dir, 'batch.csv');
    await writeFile(input, formatCsv(rows));
  });

  it("writes files that the pandas post-processing of AWS's example reads unchanged", async () => {
    const out = join(dir, 'transform-and-explain');
    await run('node', [cli, 'transform', '--model', modelFile, '--input', input, '--out', out]);
    const config = await writeConfig('probability.json', {
      baseline: [means],
      num_samples: 500,
      agg_method: 'mean_abs',
    });
    await explain(config, out);

    const joined = join(dir, 'joined.csv');
    const { stdout } = await run(join(root, '.venv/bin/python'), [
      join(root, 'python/clarify_postprocess.py'),
      ...['--explanations', out, '--predictions', join(out, 'batch.csv.out'), '--out', joined],
    ]);
    const summary = JSON.parse(stdout) as {
      rows: number;
      labelled_1: number;
      max_additivity_gap: number;
      columns: string[];
    };
    const probabilities = predictProbabilities(parseXGBoostModel(readFileSync(modelFile, 'utf8')), rows);
    assert.equal(summary.rows, rows.rows);
    assert.equal(summary.labelled_1, probabilities.filter((p) => p > 0.5).length);
    assert.ok(summary.max_additivity_gap < 1e-6, `gap ${summary.max_additivity_gap}`);
    assert.deepEqual(summary.columns, FEATURE_NAMES);
    assert.deepEqual((await readdir(out)).sort(), ['analysis.json', 'batch.csv.out', 'explanations_shap']);
  });

  it('explains a range of rows with the values a run over the whole input gives them', async () => {
    const config = await writeConfig('sampled.json', { baseline: [means], num_samples: 300, use_logit: true, seed: 9 });
    await Promise.all([explain(config, join(dir, 'all')), explain(config, join(dir, 'range'), '--rows', '100:250')]);
    const lines = async (out: string) => (await readFile(join(out, 'explanations_shap/out.csv'), 'utf8')).split('\n');
    const [all, range] = await Promise.all([lines(join(dir, 'all')), lines(join(dir, 'range'))]);
    assert.deepEqual(range.slice(1, 151), all.slice(101, 251));
    assert.equal(range.length, 152, 'header, 150 rows, final newline');
  });

  it('writes every method under kernel_shap, naming the method and its units', async () => {
    const config = await writeConfig('exact.json', { baseline: [means], use_logit: true });
    for (const method of ['tree', 'baseline-exact', 'kernel']) {
      const out = join(dir, `method-${method}`);
      await explain(config, out, '--method', method);
      const analysis = JSON.parse(await readFile(join(out, 'analysis.json'), 'utf8')) as Analysis;
      assert.equal(typeof analysis.explanations.kernel_shap.label0.expected_value, 'number');
      assert.deepEqual(Object.keys(analysis.explanations.kernel_shap.label0.global_shap_values), FEATURE_NAMES);
      assert.deepEqual([analysis.review_cycle.method, analysis.review_cycle.units], [method, 'log-odds']);
    }
  });

  it('saves a computed baseline beside the values, and no local values when told not to', async () => {
    const config = await writeConfig('computed.json', { save_local_shap_values: false, agg_method: 'median' });
    const out = join(dir, 'computed');
    await explain(config, out);
    assert.deepEqual(await readdir(join(out, 'explanations_shap')), ['baseline.csv']);
    const baseline = (await readFile(join(out, 'explanations_shap/baseline.csv'), 'utf8')).trim().split(',');
    assert.equal(baseline.length, 14);
  });

  describe('rejects bad input with the field named, and leaves no output behind', () => {
    /** `config` is the file's text, or the methods.shap object to write as JSON. */
    async function fails(message: RegExp, config: string | object, ...extra: string[]): Promise<void> {
      const text = typeof config === 'string' ? config : JSON.stringify({ methods: { shap: config } });
      await writeFile(join(dir, 'analysis_config.json'), text);
      const out = join(dir, 'failed', 'out');
      await assert.rejects(
        explain(join(dir, 'analysis_config.json'), out, ...extra),
        (error: { code: number; stderr: string }) => {
          assert.equal(error.code, 2);
          assert.match(error.stderr, message);
          assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace');
          return true;
        },
      );
      await assert.rejects(readdir(join(dir, 'failed')), 'no output folder, not even its parent');
    }

    it('a config that is not JSON', () => fails(/analysis_config\.json: is not valid JSON/, '{"methods": '));

    it('an unknown method', async () => {
      await fails(/field methods\.shap\.method: unknown value "lime"\. Use one of: kernel, tree, baseline-exact/, {
        method: 'lime',
      });
      await fails(
        /field --method: unknown method 'fast'\. Use one of: kernel, tree, baseline-exact/,
        {},
        '--method',
        'fast',
      );
    });

    it('a baseline of the wrong width, inline or in a file', async () => {
      await fails(/field methods\.shap\.baseline\[0\]: expected 14 values, found 13/, { baseline: [means.slice(1)] });
      await writeFile(join(dir, 'narrow.csv'), '1,2,3\n');
      await fails(/narrow\.csv, row 1: expected 14 fields, found 3/, { baseline: 'narrow.csv' });
      await fails(/missing\.csv: the baseline does not exist/, { baseline: 'missing.csv' });
    });

    it('num_samples below 2', () => fails(/field methods\.shap\.num_samples: must be >= 2, not 1/, { num_samples: 1 }));

    it('a row range outside the input', async () => {
      await fails(
        /field --rows: rows 400:600 are out of range: the input has 500 rows, 0 to 499/,
        {},
        '--rows',
        '400:600',
      );
      await fails(/field --rows: '7' is not FIRST:END/, {}, '--rows', '7');
    });
  });
});
