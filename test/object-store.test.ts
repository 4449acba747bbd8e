import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { InputError } from '../domain/errors.js';
import {
  exists,
  FileObjectStore,
  getJson,
  getText,
  InvalidObjectKeyError,
  ObjectExistsError,
  ObjectNotFoundError,
  putJson,
  putWritten,
} from '../lib/object-store.js';

let parent: string;
let store: FileObjectStore;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'review-cycle-objects-test-'));
  store = new FileObjectStore(join(parent, 'objects'));
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

/** Every file under a folder, temporary ones included, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('FileObjectStore', () => {
  it('stores bytes, text and JSON under S3-style keys as plain files', async () => {
    await store.put('a/b/bytes.bin', new Uint8Array([0, 1, 255]));
    await store.put('a/text.txt', 'héllo');
    await putJson(store, 'a/b/c.json', { version: 'v0001', auc: 0.92 });

    assert.deepEqual([...(await store.get('a/b/bytes.bin'))], [0, 1, 255]);
    assert.equal(await getText(store, 'a/text.txt'), 'héllo');
    assert.deepEqual(await getJson(store, 'a/b/c.json'), { version: 'v0001', auc: 0.92 });
    assert.equal(await readFile(join(store.root, 'a', 'text.txt'), 'utf8'), 'héllo');

    const head = await store.head('a/text.txt');
    assert.equal(head?.size, Buffer.byteLength('héllo'));
    assert.ok(head?.lastModified instanceof Date);
    assert.equal(await store.head('a/b'), undefined, 'a folder is not an object');
    assert.equal(await exists(store, 'a/b/c.json'), true);
    assert.equal(await exists(store, 'a/missing.json'), false);
  });

  it('replaces an object whole, and readers never see a partial one', async () => {
    const versions = Array.from({ length: 4 }, (_, i) => String(i).repeat(1024 * 1024));
    const reads: string[] = [];
    await store.put('big.txt', versions[0]!);
    for (let round = 0; round < 10; round++) {
      await Promise.all([
        ...versions.map((text) => store.put('big.txt', text)),
        ...versions.map(async () => reads.push(await getText(store, 'big.txt'))),
      ]);
    }
    const partial = reads.filter((text) => !versions.includes(text));
    assert.equal(partial.length, 0, `${partial.length} of ${reads.length} reads saw a partial object`);
    assert.ok(versions.includes(await getText(store, 'big.txt')));
    assert.deepEqual(await filesUnder(store.root), ['big.txt'], 'no temporary file is left');
  });

  it('creates a key only once when asked to', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => store.put('claim.json', `writer ${i}`, { ifAbsent: true })),
    );
    assert.equal(attempts.filter((attempt) => attempt.status === 'fulfilled').length, 1);
    for (const attempt of attempts.filter((attempt) => attempt.status === 'rejected')) {
      assert.ok(attempt.reason instanceof ObjectExistsError);
      assert.equal(attempt.reason.key, 'claim.json');
    }
    assert.match(await getText(store, 'claim.json'), /^writer \d$/);
    assert.deepEqual(await filesUnder(store.root), ['claim.json']);
  });

  it('takes and gives objects in pieces, and keeps a written object only when its writer succeeds', async () => {
    const line = (i: number) => `${i},é,${'x'.repeat(i % 50)}\n`;
    const lines = Array.from({ length: 40_000 }, (_, i) => line(i));
    await store.put(
      'pieces/iterable.csv',
      (async function* () {
        for (const [i, text] of lines.entries()) yield i % 2 === 0 ? text : Buffer.from(text);
      })(),
    );
    const pieces: Uint8Array[] = [];
    for await (const piece of await store.getStream('pieces/iterable.csv')) pieces.push(piece);
    assert.ok(pieces.length > 1, 'a large object arrives in more than one piece');
    assert.equal(Buffer.concat(pieces).toString('utf8'), lines.join(''));

    const result = await putWritten(store, 'pieces/written.csv', async (write) => {
      for (const text of lines) await write(text);
      return lines.length;
    });
    assert.equal(result, lines.length);
    assert.equal(await getText(store, 'pieces/written.csv'), lines.join(''));

    const failed = putWritten(store, 'pieces/failed.csv', async (write) => {
      for (const text of lines) await write(text);
      throw new Error('the writer gave up');
    });
    await assert.rejects(failed, /the writer gave up/);
    assert.equal(await store.head('pieces/failed.csv'), undefined);
    // A store that cannot take the object stops the writer, however much it still has to write.
    const refused = putWritten(store, 'pieces/written.csv/inner.csv', async (write) => {
      for (const text of lines) await write(text);
    });
    await assert.rejects(refused, /clashes with another key/);
    assert.deepEqual(await filesUnder(store.root), ['pieces/iterable.csv', 'pieces/written.csv']);
    await assert.rejects(store.getStream('pieces/failed.csv'), ObjectNotFoundError);
    await assert.rejects(store.getStream('pieces'), ObjectNotFoundError, 'a folder is not an object');
  });

  it('lists by string prefix, sorted as S3 sorts (by UTF-8 bytes)', async () => {
    const keys = ['models/v0002/model.json', 'models/v0001/model.json', 'models/v0001.json', 'models-old/x'];
    for (const key of [...keys, 'models/é.json', 'models/Z.json', 'other/y']) await store.put(key, key);
    await writeFile(join(store.root, 'models', '.half-written.tmp'), 'not an object');

    assert.deepEqual(
      (await store.list('models/')).map((info) => info.key),
      ['models/Z.json', 'models/v0001.json', 'models/v0001/model.json', 'models/v0002/model.json', 'models/é.json'],
    );
    assert.deepEqual(
      (await store.list('models/v0001')).map((info) => info.key),
      ['models/v0001.json', 'models/v0001/model.json'],
    );
    assert.deepEqual(
      (await store.list('models')).map((info) => info.key),
      [
        'models-old/x',
        'models/Z.json',
        'models/v0001.json',
        'models/v0001/model.json',
        'models/v0002/model.json',
        'models/é.json',
      ],
    );
    assert.equal((await store.list()).length, 7);
    assert.deepEqual(await store.list('nothing/'), []);
    assert.equal((await store.list('models/v0002/'))[0]?.size, Buffer.byteLength('models/v0002/model.json'));
  });

  it('reports a missing key and deletes quietly as S3 does', async () => {
    await assert.rejects(store.get('nope.json'), (error: unknown) => {
      assert.ok(error instanceof ObjectNotFoundError);
      assert.equal(error.key, 'nope.json');
      return true;
    });
    await store.put('a/gone.json', '{}');
    await store.delete('a/gone.json');
    await store.delete('a/gone.json');
    assert.equal(await store.head('a/gone.json'), undefined);
    await assert.rejects(store.get('a/gone.json'), ObjectNotFoundError);
  });

  it('rejects keys that are not S3-style or would leave the root, naming the key', async () => {
    const bad = [
      '../escape.json',
      'a/../../escape.json',
      '/etc/passwd',
      'a\\b.json',
      'a//b',
      'a/',
      '',
      'a/./b',
      '.hidden',
    ];
    for (const key of bad) {
      for (const attempt of [
        () => store.put(key, 'x'),
        () => store.get(key),
        () => store.getStream(key),
        () => store.head(key),
        () => store.delete(key),
      ]) {
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof InvalidObjectKeyError && error instanceof InputError, String(error));
          assert.equal(error.key, key);
          assert.ok(error.message.startsWith(`object key '${key}' `), error.message);
          return true;
        });
      }
    }
    await assert.rejects(store.list('../'), InvalidObjectKeyError);
    assert.deepEqual(await readdir(parent), [], 'nothing was written anywhere');
  });
});
