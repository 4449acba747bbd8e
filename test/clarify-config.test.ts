import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../domain/errors.js';
import { matrixFromRows } from '../domain/matrix.js';
import { FEATURE_NAMES } from '../domain/schema.js';
import { loadAdultFile } from '../domain/dataset.js';
import { computeBaseline, computeBaselineInPasses, featureKinds } from '../domain/shap/baseline.js';
import { planChunks, sliceRows } from '../domain/shap/explain-rows.js';
import { defaultNumSamples, parseClarifyConfig, type ShapConfig } from '../domain/shap/clarify-config.js';

const FILE = 'analysis_config.json';
const parse = (config: unknown, numFeatures = 14): ShapConfig =>
  parseClarifyConfig(JSON.stringify(config), FILE, numFeatures, FEATURE_NAMES);

function rejects(config: unknown, message: RegExp, field?: string): void {
  assert.throws(
    () => (typeof config === 'string' ? parseClarifyConfig(config, FILE, 14, FEATURE_NAMES) : parse(config)),
    (error: InputError) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.file, FILE);
      assert.equal(error.field, field);
      assert.match(error.message, message);
      return true;
    },
  );
}

/** The explainability configuration of AWS's Clarify example on Adult, as it ships. */
const awsExample = {
  dataset_type: 'text/csv',
  headers: [
    'Target',
    'Age',
    'Workclass',
    'fnlwgt',
    'Education',
    'Education-Num',
    'Marital Status',
    'Occupation',
  ].concat(['Relationship', 'Ethnic group', 'Sex', 'Capital Gain', 'Capital Loss', 'Hours per week', 'Country']),
  label: 'Target',
  methods: {
    shap: {
      baseline: [[38.44, 2.19, 189793.83, 10.33, 10.12, 2.58, 5.96, 1.42, 3.68, 0.68, 1092, 88.37, 40.93, 36.38]],
      num_samples: 15,
      agg_method: 'mean_abs',
      use_logit: false,
      save_local_shap_values: true,
    },
    report: { name: 'report', title: 'Analysis Report' },
  },
  predictor: { model_name: 'DEMO-clarify-xgboost-model', instance_type: 'ml.m5.xlarge', initial_instance_count: 1 },
};

describe('Clarify analysis configuration', () => {
  it("accepts AWS's example file as it is, naming the features from its headers", () => {
    const config = parse(awsExample);
    assert.equal(config.method, 'kernel');
    assert.equal(config.numSamples, 15);
    assert.deepEqual(config.featureNames, awsExample.headers.slice(1));
    assert.equal(config.baseline.kind, 'rows');
    if (config.baseline.kind === 'rows')
      assert.deepEqual(Array.from(config.baseline.rows.data), awsExample.methods.shap.baseline[0]);
    assert.deepEqual(config.ignored, ['predictor', 'methods.report']);
  });

  it("fills in Clarify's defaults, and a computed baseline when none is given", () => {
    const config = parse({ methods: { shap: {} } });
    assert.deepEqual(
      { ...config, baseline: config.baseline.kind },
      {
        method: 'kernel',
        baseline: 'computed',
        numSamples: 2076,
        useLogit: false,
        aggMethod: 'mean_abs',
        saveLocalShapValues: true,
        seed: 0,
        featureNames: [...FEATURE_NAMES],
        ignored: [],
      },
    );
    assert.equal(defaultNumSamples(3), 6, 'min(2M + 2048, 2^M - 2)');
    assert.equal(parse({ methods: { shap: {} } }, 3).numSamples, 6);
  });

  it('takes a baseline as one flat row, as rows with null for a missing value, or as a location', () => {
    const row = [39, 6, 77516, 9, 13, 2, 0, 0, 4, 1, 2174, 0, 40, 38];
    const flat = parse({ methods: { shap: { baseline: row } } }).baseline;
    assert.ok(flat.kind === 'rows' && flat.rows.rows === 1);
    const withMissing = parse({ methods: { shap: { baseline: [row, [...row.slice(0, 13), null]] } } }).baseline;
    assert.ok(withMissing.kind === 'rows' && Number.isNaN(withMissing.rows.data[27]));
    assert.deepEqual(parse({ methods: { shap: { baseline: 'baseline.csv' } } }).baseline, {
      kind: 'location',
      location: 'baseline.csv',
    });
  });

  it('reads the method, the units, the aggregation and the seed', () => {
    const shap = { method: 'baseline-exact', use_logit: true, agg_method: 'median', seed: 42 };
    const config = parse({ methods: { shap: { ...shap, save_local_shap_values: false } } });
    assert.deepEqual(
      [config.method, config.useLogit, config.aggMethod, config.seed, config.saveLocalShapValues],
      ['baseline-exact', true, 'median', 42, false],
    );
  });

  it('rejects what it cannot honour, naming the file and the field', () => {
    rejects('{"methods": {"shap": {}}', /analysis_config\.json: is not valid JSON/);
    rejects(
      { methods: { shap: { method: 'lime' } } },
      /unknown value "lime"\. Use one of: kernel, tree, baseline-exact/,
      'methods.shap.method',
    );
    rejects(
      { methods: { shap: { baseline: [[1, 2, 3]] } } },
      /field methods\.shap\.baseline\[0\]: expected 14 values, found 3/,
      'methods.shap.baseline[0]',
    );
    rejects(
      { methods: { shap: { num_samples: 1 } } },
      /field methods\.shap\.num_samples: must be >= 2, not 1/,
      'methods.shap.num_samples',
    );
    rejects({ methods: { shap: { num_samples: 2.5 } } }, /must be a whole number/, 'methods.shap.num_samples');
    rejects(
      { methods: { shap: { agg_method: 'max' } } },
      /Use one of: mean_abs, median, mean_sq/,
      'methods.shap.agg_method',
    );
    rejects({ methods: { shap: { num_sample: 100 } } }, /is not a SHAP setting/, 'methods.shap.num_sample');
    rejects({ methods: { shap: { use_logit: 'yes' } } }, /must be true or false/, 'methods.shap.use_logit');
    const codes = [39, 6, 77516, 9, 13, 2, 0, 0, 4, 1, 2174, 0, 40];
    rejects(
      { methods: { shap: { baseline: [[...codes, 'United-States']] } } },
      /"United-States" is not a number\. Baseline rows hold encoded features/,
      'methods.shap.baseline[0][13]',
    );
    rejects({ methods: { shap: { text_config: {} } } }, /is not supported/, 'methods.shap.text_config');
    rejects(
      { methods: { shap: { baseline: [[0]], num_clusters: 2 } } },
      /together with baseline/,
      'methods.shap.num_clusters',
    );
    rejects({ methods: {} }, /is missing/, 'methods.shap');
    rejects({ headers: ['a', 'b'], methods: { shap: {} } }, /expected 14 feature names, found 2/, 'headers');
    rejects({ dataset_type: 'application/jsonlines', methods: { shap: {} } }, /is not supported/, 'dataset_type');
  });
});

describe('computed baseline', () => {
  it('takes the median of numeric features and the most frequent code of categorical ones, skipping missing', async () => {
    const data = matrixFromRows(
      [
        [30, 2, Number.NaN],
        [40, 1, Number.NaN],
        [20, 1, Number.NaN],
        [Number.NaN, 2, Number.NaN],
        [35, 3, Number.NaN],
      ],
      3,
    );
    const baseline = computeBaseline(data, ['numeric', 'categorical', 'numeric']);
    // Ages 20, 30, 35, 40: the mean of the two middle ones. Codes 1 and 2 tie: the smaller wins.
    assert.deepEqual(Array.from(baseline.data), [32.5, 1, Number.NaN]);
    const inPasses = await computeBaselineInPasses(
      async function* () {
        yield data;
      },
      ['numeric', 'categorical', 'numeric'],
    );
    assert.deepEqual(Array.from(inPasses.data), [32.5, 1, Number.NaN]);
  });

  it('computes the same baseline in passes over pieces of the rows as over all of them at once', async () => {
    const { features } = loadAdultFile('test');
    const kinds = featureKinds(features.cols);
    // An odd and an even count of rows, both with missing values.
    for (const rows of [features.rows, features.rows - 1]) {
      const data = sliceRows(features, { firstRow: 0, rows });
      let passes = 0;
      const inPieces = await computeBaselineInPasses(async function* () {
        passes++;
        for (const piece of planChunks(rows, 1234)) yield sliceRows(data, piece);
      }, kinds);
      assert.deepEqual(Array.from(inPieces.data), Array.from(computeBaseline(data, kinds).data), `${rows} rows`);
      assert.equal(passes, 5);
    }
  });
});
