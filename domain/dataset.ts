import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { InputError } from './errors.js';
import { createMatrix, type Matrix } from './matrix.js';
import { encodeValue, FEATURE_COUNT, LABEL_VALUES } from './schema.js';

/** The bundled copy of UCI Adult. */
export const ADULT_DIR = fileURLToPath(new URL('../data/uci-adult/', import.meta.url));

/** The md5 of each bundled file once unzipped, as published with the data set. */
export const ADULT_FILES = {
  data: { file: 'adult.data.gz', md5: '5d7c39d7b8804f071cdd1f2a7c460872' },
  test: { file: 'adult.test.gz', md5: '35238206dfdf7f1fe215bbb874adecdc' },
} as const;

export type AdultFile = keyof typeof ADULT_FILES;

/**
 * The four disjoint parts of UCI Adult. `train` and `validation` come from adult.data; `holdout` (the fixed
 * evaluation set) and `stream` (where review batches are drawn from) come from adult.test.
 */
export type Split = 'train' | 'validation' | 'holdout' | 'stream';
export const SPLITS: readonly Split[] = ['train', 'validation', 'holdout', 'stream'];

/** Records of one split, encoded, with their stable row ids and true labels. */
export interface LabelledRows {
  rowIds: string[];
  features: Matrix;
  labels: Uint8Array;
}

/** Each row's split is a hash of its row id, so it never depends on file order or on the other rows. */
function splitOf(rowId: string, file: AdultFile): Split {
  const bucket = fnv1a(rowId) % 100;
  if (file === 'data') return bucket < 20 ? 'validation' : 'train';
  return bucket < 30 ? 'holdout' : 'stream';
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const cache = new Map<AdultFile, RawRecord[]>();

interface RawRecord {
  rowId: string;
  split: Split;
  fields: string[];
  line: number;
}

/** The raw records of one bundled file, after checking its checksum. Row ids are `data-00001`, `test-00001`, ... */
export function readAdultFile(which: AdultFile, dir = ADULT_DIR): RawRecord[] {
  const cached = dir === ADULT_DIR ? cache.get(which) : undefined;
  if (cached) return cached;

  const { file, md5 } = ADULT_FILES[which];
  const path = `${dir}/${file}`;
  const bytes = gunzipSync(readFileSync(path));
  const actual = createHash('md5').update(bytes).digest('hex');
  if (actual !== md5) {
    throw new InputError(`checksum ${actual} does not match ${md5}`, { file: path }, 'Restore the file from git');
  }

  const records: RawRecord[] = [];
  const lines = bytes.toString('utf8').split('\n');
  lines.forEach((text, index) => {
    if (text.trim() === '' || text.startsWith('|')) return;
    const rowId = `${which}-${String(records.length + 1).padStart(5, '0')}`;
    const fields = text.split(',').map((field) => field.trim());
    if (fields.length !== FEATURE_COUNT + 1) {
      throw new InputError(`expected ${FEATURE_COUNT + 1} fields, found ${fields.length}`, {
        file: basename(path),
        row: index + 1,
      });
    }
    records.push({ rowId, split: splitOf(rowId, which), fields, line: index + 1 });
  });
  if (dir === ADULT_DIR) cache.set(which, records);
  return records;
}

/** Encodes raw records: features through the code table, the label as 1 for `>50K`, 0 for `<=50K`. */
export function encodeRecords(records: readonly RawRecord[], file: string): LabelledRows {
  const features = createMatrix(records.length, FEATURE_COUNT);
  const labels = new Uint8Array(records.length);
  records.forEach((record, r) => {
    for (let c = 0; c < FEATURE_COUNT; c++) {
      features.data[r * FEATURE_COUNT + c] = encodeValue(c, record.fields[c]!, { file, row: record.line });
    }
    const label = record.fields[FEATURE_COUNT]!.replace(/\.$/, '');
    if (label !== LABEL_VALUES.positive && label !== LABEL_VALUES.negative) {
      throw new InputError(`unknown label '${label}'`, { file, row: record.line, field: 'income' });
    }
    labels[r] = label === LABEL_VALUES.positive ? 1 : 0;
  });
  return { rowIds: records.map((record) => record.rowId), features, labels };
}

/** One split of the bundled data, encoded, in file order. */
export function loadSplit(split: Split, dir = ADULT_DIR): LabelledRows {
  const which: AdultFile = split === 'train' || split === 'validation' ? 'data' : 'test';
  const records = readAdultFile(which, dir).filter((record) => record.split === split);
  return encodeRecords(records, ADULT_FILES[which].file);
}

/** All of one bundled file, encoded, in file order. */
export function loadAdultFile(which: AdultFile, dir = ADULT_DIR): LabelledRows {
  return encodeRecords(readAdultFile(which, dir), ADULT_FILES[which].file);
}

/**
 * Batch `index` (from 0) of `size` records from the incoming stream, or undefined past its end.
 * The same index and size always give the same rows.
 */
export function streamBatch(index: number, size: number, stream = loadSplit('stream')): LabelledRows | undefined {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a whole number >= 1, not ${size}`);
  const start = index * size;
  if (start >= stream.rowIds.length) return undefined;
  const end = Math.min(start + size, stream.rowIds.length);
  return {
    rowIds: stream.rowIds.slice(start, end),
    features: {
      rows: end - start,
      cols: FEATURE_COUNT,
      data: stream.features.data.slice(start * FEATURE_COUNT, end * FEATURE_COUNT),
    },
    labels: stream.labels.slice(start, end),
  };
}
