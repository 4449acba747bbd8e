import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSplit } from '../domain/dataset.js';
import { InputError } from '../domain/errors.js';
import { formatTrainingCsv } from '../domain/training-csv.js';
import { PythonScriptError, runPythonScript } from '../lib/python.js';
import { DEFAULT_HYPERPARAMETERS, trainModel, type RoundProgress, type TrainedModel } from '../lib/training.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const quick = { ...DEFAULT_HYPERPARAMETERS, num_round: '10' };

const scratchDirs: string[] = [];

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'review-cycle-training-test-'));
  scratchDirs.push(dir);
  return dir;
}

after(async () => {
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function listing(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

describe('trainModel on the bundled splits', () => {
  let outDir: string;
  let trained: TrainedModel;
  const progress: RoundProgress[] = [];

  before(async () => {
    outDir = join(await scratch(), 'model');
    trained = await trainModel({ outDir, hyperparameters: quick, onProgress: (round) => progress.push(round) });
  });

  it('writes an XGBoost JSON model with one tree per round', async () => {
    assert.equal(trained.modelPath, join(outDir, 'model.json'));
    const model = JSON.parse(await readFile(trained.modelPath, 'utf8'));
    assert.equal(model.learner.objective.name, 'binary:logistic');
    assert.equal(model.learner.gradient_booster.model.trees.length, 10);
    assert.deepEqual((await listing(outDir)).sort(), ['metrics.json', 'model.json']);
  });

  it('scores well on the holdout and records how the model was made', async () => {
    const { metrics } = trained;
    assert.deepEqual(JSON.parse(await readFile(trained.metricsPath, 'utf8')), metrics);
    assert.ok(metrics.test.auc! > 0.85, `holdout AUC ${metrics.test.auc}`);
    assert.ok(metrics.validation.auc! > 0.85, `validation AUC ${metrics.validation.auc}`);
    assert.ok(metrics.test.accuracy > 0.8 && metrics.test.accuracy < 1, `accuracy ${metrics.test.accuracy}`);
    assert.ok(metrics.test.logLoss > 0 && metrics.test.logLoss < 0.45, `log loss ${metrics.test.logLoss}`);
    assert.equal(metrics.test.rows, loadSplit('holdout').rowIds.length);
    assert.equal(metrics.validation.rows, loadSplit('validation').rowIds.length);
    assert.deepEqual(metrics.hyperparameters, quick);
    assert.equal(metrics.rounds, 10);
    assert.equal(metrics.xgboostVersion, '3.2.0');
  });

  it('records the checksum of exactly the data it was given', () => {
    const { data } = trained.metrics;
    assert.equal(data.train.sha256, sha256(formatTrainingCsv(loadSplit('train'))));
    assert.equal(data.validation.sha256, sha256(formatTrainingCsv(loadSplit('validation'))));
    assert.equal(data.test.sha256, sha256(formatTrainingCsv(loadSplit('holdout'))));
    assert.equal(data.train.file, 'adult-train.csv');
    assert.equal(data.train.rows, loadSplit('train').rowIds.length);
  });

  it('reports each boosting round with its validation metric', () => {
    assert.deepEqual(
      progress.map((round) => `${round.round}/${round.total}`),
      Array.from({ length: 10 }, (_, i) => `${i + 1}/10`),
    );
    for (const round of progress) assert.ok(round.validation!.logloss! > 0 && round.validation!.logloss! < 1);
    assert.ok(progress[9]!.validation!.logloss! < progress[0]!.validation!.logloss!);
  });
});

describe('trainModel with its own CSV', () => {
  it('trains on a user CSV and names it with its checksum', async () => {
    const dir = await scratch();
    const train = loadSplit('train');
    const text = formatTrainingCsv({
      ...train,
      features: { rows: 2000, cols: train.features.cols, data: train.features.data.subarray(0, 2000 * 14) },
    });
    await writeFile(join(dir, 'mine.csv'), text);

    const { metrics } = await trainModel({
      outDir: join(dir, 'out'),
      hyperparameters: { num_round: '3', eval_metric: 'auc' },
      trainCsv: join(dir, 'mine.csv'),
    });
    assert.deepEqual(metrics.data.train, { file: join(dir, 'mine.csv'), sha256: sha256(text), rows: 2000 });
    assert.equal(metrics.data.validation.file, 'adult-validation.csv');
    assert.equal(metrics.hyperparameters.objective, 'binary:logistic');
    assert.ok(metrics.test.auc! > 0.8, `holdout AUC ${metrics.test.auc}`);
  });
});

describe('cancelling training', () => {
  it('stops python and leaves no model behind', async () => {
    const outDir = join(await scratch(), 'out');
    const controller = new AbortController();
    const rounds: number[] = [];
    const training = trainModel({
      outDir,
      hyperparameters: { num_round: '100000' },
      signal: controller.signal,
      onProgress: ({ round }) => {
        rounds.push(round);
        if (round === 3) controller.abort();
      },
    });
    await assert.rejects(training, { name: 'AbortError' });
    assert.ok(rounds.length >= 3 && rounds.length < 100000);
    assert.deepEqual(await listing(outDir), []);
  });

  it('refuses to start when already cancelled', async () => {
    const outDir = join(await scratch(), 'out');
    await assert.rejects(trainModel({ outDir, signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.deepEqual(await listing(outDir), []);
  });
});

describe('bad training input', () => {
  let dir: string;
  const validRow = formatTrainingCsv({
    ...loadSplit('validation'),
    features: { ...loadSplit('validation').features, rows: 1 },
  });

  before(async () => {
    dir = await scratch();
  });

  async function rejectsCsv(
    name: string,
    text: string | undefined,
    expected: { row?: number; field?: string; message: RegExp },
  ) {
    const path = join(dir, name);
    if (text !== undefined) await writeFile(path, text);
    await assert.rejects(trainModel({ outDir: join(dir, 'out'), trainCsv: path }), (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.equal(error.file, path);
      assert.match(error.message, expected.message);
      if ('row' in expected) assert.equal(error.row, expected.row);
      if ('field' in expected) assert.equal(error.field, expected.field);
      return true;
    });
    assert.deepEqual(await listing(join(dir, 'out')), []);
  }

  it('names the file, row and field of a bad CSV before training', async () => {
    await rejectsCsv('short.csv', `${validRow}1,2,3\n`, { row: 2, message: /expected 15 fields, found 3/ });
    await rejectsCsv('word.csv', validRow.replace(/^(\d),(\d+),/, '$1,$2x,'), {
      row: 1,
      field: 'age',
      message: /'\d+x' is not a number/,
    });
    await rejectsCsv('label.csv', `${validRow}${validRow.replace(/^\d/, '2')}`, {
      row: 2,
      field: 'income',
      message: /label '2' is not 0 or 1/,
    });
    await rejectsCsv('header.csv', `income,${'x,'.repeat(13)}x\n${validRow}`, { row: 1, message: /Remove the header/ });
    await rejectsCsv('empty.csv', '', { message: /the file is empty/ });
    await rejectsCsv('missing.csv', undefined, { message: /does not exist/ });
  });

  it('rejects bad hyperparameters with the name and the fix', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ eta: '0.2' }, /num_round is required/],
      [{ num_round: '10', objective: 'reg:squarederror' }, /objective: 'reg:squarederror' is not supported/],
      [{ num_round: 'ten' }, /num_round: 'ten' is not a whole number/],
      [{ num_round: '10', eta: 'fast' }, /eta: 'fast' is not a number/],
      [{ num_round: '10', subsample: '1.5' }, /subsample: 1.5 must be at most 1/],
      [{ num_round: '10', learning_rate: '0.1' }, /unknown hyperparameter 'learning_rate'; use 'eta'/],
      [{ num_round: '10', colour: 'blue' }, /unknown hyperparameter 'colour'; known names: .*max_depth/],
    ];
    for (const [hyperparameters, message] of cases) {
      const outDir = join(dir, 'out');
      await assert.rejects(trainModel({ outDir, hyperparameters }), (error: unknown) => {
        assert.ok(error instanceof InputError, String(error));
        assert.match(error.message, message);
        return true;
      });
      assert.deepEqual(await listing(outDir), [], JSON.stringify(hyperparameters));
    }
  });

  it('refuses an output folder that is a file', async () => {
    await writeFile(join(dir, 'taken'), '');
    await assert.rejects(trainModel({ outDir: join(dir, 'taken') }), /the output folder is a file/);
  });
});

describe('the python runner contract', () => {
  let dir: string;

  before(async () => {
    dir = await scratch();
    await writeFile(join(dir, 'hyperparameters.json'), JSON.stringify({ num_round: '2' }));
  });

  after(async () => {
    assert.deepEqual(await listing(join(dir, 'out')), []);
  });

  it('reports a bad channel as an input error event naming file, row and column', async () => {
    await writeFile(join(dir, 'bad.csv'), '1,2,3\n0,4,five\n');
    const messages: unknown[] = [];
    const run = runPythonScript(
      'train_xgboost.py',
      ['--train', 'bad.csv', '--hyperparameters', 'hyperparameters.json', '--out', 'out'],
      { cwd: dir, onMessage: (message) => messages.push(message) },
    );
    await assert.rejects(run, (error: unknown) => error instanceof PythonScriptError && error.exitCode === 2);
    assert.deepEqual(messages, [
      { event: 'error', kind: 'input', message: "bad.csv, row 2, column 3 (feature 2): 'five' is not a number" },
    ]);
  });

  it('includes stderr when a script fails', async () => {
    const run = runPythonScript('train_xgboost.py', ['--train', 'x.csv'], { cwd: dir });
    await assert.rejects(run, (error: unknown) => {
      assert.ok(error instanceof PythonScriptError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /train_xgboost\.py exited with code 2:[\s\S]*required: --hyperparameters, --out/);
      return true;
    });
  });
});
