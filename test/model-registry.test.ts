import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { InputError } from '../domain/errors.js';
import { ModelRegistry } from '../lib/model-registry.js';
import { FileObjectStore } from '../lib/object-store.js';
import { trainModel, type TrainedModel } from '../lib/training.js';

let trained: TrainedModel;
let model: string;
let registry: ModelRegistry;
let root: string;
let modelDir: string;

before(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'review-cycle-registry-test-'));
  trained = await trainModel({ outDir: join(modelDir, 'model'), hyperparameters: { num_round: '3', max_depth: '3' } });
  model = await readFile(trained.modelPath, 'utf8');
});

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'review-cycle-registry-test-'));
  registry = new ModelRegistry(new FileObjectStore(root));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

after(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

function rejectsInput(promise: Promise<unknown>, message: RegExp): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

describe('ModelRegistry versions', () => {
  it('numbers versions v0001, v0002, ... and keeps model, metrics and lineage', async () => {
    const createdAt = new Date('2026-01-02T03:04:05Z');
    const first = await registry.register({ model, metrics: trained.metrics, reason: 'initial', createdAt });
    const second = await registry.register({ model, metrics: trained.metrics, reason: 'retrain', parent: 'v0001' });

    assert.equal(first.version, 'v0001');
    assert.equal(second.version, 'v0002');
    assert.deepEqual(
      (await registry.listVersions()).map((v) => [v.version, v.reason, v.parent]),
      [
        ['v0001', 'initial', null],
        ['v0002', 'retrain', 'v0001'],
      ],
    );

    const stored = await registry.getVersion('v0001');
    assert.deepEqual(stored, first);
    assert.equal(stored?.createdAt, '2026-01-02T03:04:05.000Z');
    assert.deepEqual(stored?.data, trained.metrics.data);
    assert.match(stored!.data.train!.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(stored?.hyperparameters, { objective: 'binary:logistic', num_round: '3', max_depth: '3' });
    assert.equal(stored?.xgboostVersion, '3.2.0');
    assert.deepEqual(stored?.test, trained.metrics.test);
    assert.equal(Buffer.from(await registry.getModel(stored!)).toString('utf8'), model);
    assert.deepEqual(await registry.getMetrics(stored!), trained.metrics);
    assert.equal(await readFile(join(root, 'models', 'v0002', 'model.json'), 'utf8'), model);
  });

  it('gives concurrent registrations distinct versions', async () => {
    const versions = await Promise.all(
      Array.from({ length: 5 }, () => registry.register({ model, metrics: trained.metrics, reason: 'retrain' })),
    );
    assert.deepEqual(versions.map((v) => v.version).sort(), ['v0001', 'v0002', 'v0003', 'v0004', 'v0005']);
    assert.equal((await registry.listVersions()).length, 5);
  });

  it('refuses a parent that is not registered, registering nothing', async () => {
    await rejectsInput(
      registry.register({ model, metrics: trained.metrics, reason: 'retrain', parent: 'v0007' }),
      /model version 'v0007' is not registered\. The registry is empty/,
    );
    assert.deepEqual(await registry.listVersions(), []);
  });

  it('is read back the same by another registry on the same folder', async () => {
    await registry.register({ model, metrics: trained.metrics, reason: 'initial' });
    await registry.setCurrent('v0001');
    const again = new ModelRegistry(new FileObjectStore(root));
    assert.equal((await again.resolve('current')).version, 'v0001');
    assert.equal((await again.register({ model, metrics: trained.metrics, reason: 'retrain' })).version, 'v0002');
  });
});

describe('ModelRegistry current pointer', () => {
  it('has no current version until one is set', async () => {
    assert.equal(await registry.getCurrent(), undefined);
    await registry.register({ model, metrics: trained.metrics, reason: 'initial' });
    assert.equal(await registry.getCurrent(), undefined, 'registering does not make a version current');
    await rejectsInput(registry.resolve('current'), /no model version is current/);
  });

  it('moves between versions and resolves current or a named version', async () => {
    await registry.register({ model, metrics: trained.metrics, reason: 'initial' });
    await registry.setCurrent('v0001');
    const second = await registry.register({ model, metrics: trained.metrics, reason: 'retrain', parent: 'current' });
    assert.equal(second.version, 'v0002');
    assert.equal(second.parent, 'v0001', 'the parent is recorded by version, not as "current"');

    assert.equal((await registry.resolve('current')).version, 'v0001');
    await registry.setCurrent(second.version);
    assert.equal((await registry.getCurrent())?.version, second.version);
    assert.equal((await registry.resolve('v0001')).version, 'v0001');
    await registry.setCurrent('v0001');
    assert.equal((await registry.resolve('current')).version, 'v0001', 'rolling back is setting an older version');
  });

  it('names the version and the known ones when a version does not exist', async () => {
    await registry.register({ model, metrics: trained.metrics, reason: 'initial' });
    await rejectsInput(registry.setCurrent('v0009'), /model version 'v0009' is not registered\. Use one of: v0001/);
    await rejectsInput(registry.resolve('latest'), /'latest' is not a model version\. Write current or a version/);
    await rejectsInput(registry.resolve('../v0001'), /is not a model version/);
    assert.equal(await registry.getCurrent(), undefined);
  });
});
