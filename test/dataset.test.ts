import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ADULT_CODES } from '../domain/adult-codes.js';
import { ADULT_DIR, encodeRecords, loadSplit, readAdultFile, SPLITS, streamBatch } from '../domain/dataset.js';
import { InputError } from '../domain/errors.js';
import { decodeValue, describeRow, encodeValue, FEATURE_NAMES } from '../domain/schema.js';

describe('the bundled UCI Adult data', () => {
  it('has the published row counts, split four ways with no row in two splits', () => {
    const sizes = Object.fromEntries(SPLITS.map((split) => [split, loadSplit(split).rowIds.length]));
    assert.equal(sizes.train! + sizes.validation!, 32561);
    assert.equal(sizes.holdout! + sizes.stream!, 16281);
    const all = SPLITS.flatMap((split) => loadSplit(split).rowIds);
    assert.equal(new Set(all).size, all.length);
    assert.ok(sizes.validation! > 5000 && sizes.holdout! > 4000, JSON.stringify(sizes));
  });

  it('keeps the code table as fitted on adult.data, sorted, without ?', () => {
    const raw = readAdultFile('data');
    for (const [name, codes] of Object.entries(ADULT_CODES)) {
      const column = FEATURE_NAMES.indexOf(name);
      const refitted = [...new Set(raw.map((record) => record.fields[column]!))]
        .filter((value) => value !== '?')
        .sort();
      assert.deepEqual(codes, refitted, name);
    }
  });

  it('encodes ? as missing and decodes codes back to text', () => {
    const first = loadSplit('train');
    const text = describeRow(first.features.data.subarray(0, 14));
    assert.equal(first.rowIds[0], 'data-00002');
    assert.deepEqual(text[5], { feature: 'marital-status', value: 'Married-civ-spouse' });
    assert.deepEqual(text[7], { feature: 'relationship', value: 'Husband' });
    assert.ok(Number.isNaN(encodeValue(1, '?')));
    assert.equal(decodeValue(1, Number.NaN), '?');
    assert.equal(decodeValue(7, encodeValue(7, 'Husband')), 'Husband');
  });

  it('rejects an unknown category, naming the file, row, field and the known values', () => {
    const record = { rowId: 'x', split: 'stream' as const, line: 12, fields: readAdultFile('test')[0]!.fields.slice() };
    record.fields[13] = 'Atlantis';
    assert.throws(
      () => encodeRecords([record], 'incoming.csv'),
      (error: InputError) =>
        error instanceof InputError &&
        error.message.startsWith("incoming.csv, row 12, field native-country: unknown native-country 'Atlantis'") &&
        error.message.includes('United-States'),
    );
  });

  it('refuses a file whose checksum does not match', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adult-'));
    await copyFile(join(ADULT_DIR, 'adult.data.gz'), join(dir, 'adult.data.gz'));
    await writeFile(
      join(dir, 'adult.test.gz'),
      gzipSync('25, Private, 1, 11th, 7, x, y, z, w, Male, 0, 0, 40, US, <=50K.\n'),
    );
    assert.equal(readAdultFile('data', dir).length, 32561);
    assert.throws(() => readAdultFile('test', dir), /adult\.test\.gz: checksum .* does not match/);
  });

  it('draws the same batch for the same index and size, and nothing past the end', () => {
    const stream = loadSplit('stream');
    const a = streamBatch(3, 100, stream)!;
    const b = streamBatch(3, 100, loadSplit('stream'))!;
    assert.deepEqual(a.rowIds, b.rowIds);
    assert.equal(a.rowIds[0], stream.rowIds[300]);
    assert.equal(a.features.rows, 100);
    const last = Math.floor((stream.rowIds.length - 1) / 100);
    assert.equal(streamBatch(last, 100, stream)!.rowIds.length, stream.rowIds.length - last * 100);
    assert.equal(streamBatch(last + 1, 100, stream), undefined);
    assert.throws(() => streamBatch(0, 0, stream), /batch size must be a whole number >= 1/);
  });
});
