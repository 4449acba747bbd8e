import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { InputError } from '../domain/errors.js';
import { projectRoot } from './tools.js';

/** What a listing or a head request tells about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/** The content of an object: whole, or in pieces that never need to be in memory at once. */
export type ObjectBody = Uint8Array | string | AsyncIterable<Uint8Array | string>;

export interface PutOptions {
  /** Store only if no object has the key yet, else throw {@link ObjectExistsError} (S3's `If-None-Match: *`). */
  ifAbsent?: boolean;
}

/**
 * Objects under S3-style keys (`models/v0001/model.json`): a write replaces the whole object at once, and a
 * reader sees the old object or the new one, never a part.
 */
export interface ObjectStore {
  put(key: string, body: ObjectBody, options?: PutOptions): Promise<void>;
  /** Throws {@link ObjectNotFoundError} when no object has the key. */
  get(key: string): Promise<Uint8Array>;
  /**
   * The bytes of an object in pieces, for objects too large to hold at once; stopping early is allowed. Throws
   * {@link ObjectNotFoundError} when no object has the key.
   */
  getStream(key: string): Promise<AsyncIterable<Uint8Array>>;
  /** Undefined when no object has the key. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** The objects whose keys start with `prefix`, in S3's order (by the UTF-8 bytes of the key). */
  list(prefix?: string): Promise<ObjectInfo[]>;
  /** Deleting a key that does not exist is not an error, as in S3. */
  delete(key: string): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';

  constructor(readonly key: string) {
    super(`no object has the key '${key}'`);
  }
}

export class ObjectExistsError extends Error {
  override readonly name = 'ObjectExistsError';

  constructor(readonly key: string) {
    super(`an object with the key '${key}' already exists`);
  }
}

/** A key that cannot name an object. */
export class InvalidObjectKeyError extends InputError {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`object key '${key}' ${problem}`, {}, "Use '/'-separated names such as models/v0001/model.json");
  }
}

const KEY_RULES: [broken: (key: string) => boolean, problem: string][] = [
  [(key) => key === '', 'is empty'],
  [(key) => Buffer.byteLength(key) > 1024, 'is longer than 1024 bytes'],
  [(key) => key.startsWith('/'), 'is absolute (starts with /)'],
  [(key) => key.endsWith('/'), 'ends with /'],
  [(key) => key.includes('\\'), 'contains a backslash'],
  [(key) => [...key].some((char) => char < ' ' || char === '\x7f'), 'contains a control character'],
  [(key) => key.split('/').includes(''), 'has an empty part (//)'],
  [(key) => key.split('/').some((part) => part.startsWith('.')), "has a part starting with '.' (such as ..)"],
];

/**
 * Checks that a key is S3-style and safe as a relative path: not empty, no leading or trailing `/`, no empty
 * part, no `\`, no control character, and no part starting with `.` (which also rules out `..`; file stores
 * keep their temporary files under such names). Throws {@link InvalidObjectKeyError}.
 */
export function checkObjectKey(key: string): void {
  const rule = KEY_RULES.find(([broken]) => broken(key));
  if (rule !== undefined) throw new InvalidObjectKeyError(key, rule[1]);
}

/** A prefix is valid when some key could start with it. */
function checkPrefix(prefix: string): void {
  if (prefix !== '') checkObjectKey(`${prefix}x`);
}

export async function getText(store: ObjectStore, key: string): Promise<string> {
  return Buffer.from(await store.get(key)).toString('utf8');
}

export async function getJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse(await getText(store, key)) as T;
}

export async function putJson(store: ObjectStore, key: string, value: unknown, options?: PutOptions): Promise<void> {
  await store.put(key, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Writes an object from text that `produce` hands to `write` piece by piece, so the object may be larger than
 * memory: `write` waits while the store catches up. The object is stored only if `produce` succeeds.
 */
export async function putWritten<T>(
  store: ObjectStore,
  key: string,
  produce: (write: (text: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const body = new PassThrough();
  const stored = store.put(key, body);
  // A store that fails stops reading, so a write waiting for room must learn of the failure instead.
  stored.catch(() => undefined);
  const write = async (text: string) => {
    if (!body.write(text)) await Promise.race([once(body, 'drain'), stored]);
  };
  try {
    const result = await produce(write);
    body.end();
    await stored;
    return result;
  } catch (error) {
    body.destroy(error instanceof Error ? error : new Error(String(error)));
    await stored.catch(() => undefined);
    throw error;
  }
}

export async function exists(store: ObjectStore, key: string): Promise<boolean> {
  return (await store.head(key)) !== undefined;
}

/**
 * Where {@link FileObjectStore} keeps its objects unless told otherwise: the folder named by `REVIEW_CYCLE_OBJECTS`,
 * so that several worker processes can share one store, else `.data/objects`.
 */
export const DEFAULT_OBJECTS_DIR = resolve(process.env.REVIEW_CYCLE_OBJECTS || join(projectRoot, '.data', 'objects'));

/**
 * An {@link ObjectStore} in a folder: the key `a/b/c.json` is the file `a/b/c.json` under the root. Each write
 * goes to a temporary file in the same folder, synced, then renamed over the key. Unlike S3, a folder cannot
 * hold both the key `a` and keys under `a/`.
 */
export class FileObjectStore implements ObjectStore {
  constructor(readonly root: string = DEFAULT_OBJECTS_DIR) {}

  async put(key: string, body: ObjectBody, options: PutOptions = {}): Promise<void> {
    const path = this.pathOf(key);
    const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
    try {
      await mkdir(dirname(path), { recursive: true });
      const file = await open(temporary, 'wx');
      try {
        await writeBody(file, body);
        await file.sync();
      } finally {
        await file.close();
      }
      // A hard link fails when the key exists, so only one of two racing writers can create it.
      if (options.ifAbsent) await link(temporary, path);
      else await rename(temporary, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (options.ifAbsent && code === 'EEXIST') throw new ObjectExistsError(key);
      if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') {
        throw new Error(`object key '${key}' clashes with another key: a file store cannot hold both 'a' and 'a/b'`);
      }
      throw error;
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const file = await open(this.pathOf(key), 'r').catch((error: unknown) => {
      if (isMissing(error)) throw new ObjectNotFoundError(key);
      throw error;
    });
    if (!(await file.stat()).isFile()) {
      await file.close();
      throw new ObjectNotFoundError(key);
    }
    // The stream closes the file when it ends or is stopped.
    return file.createReadStream();
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const found = await stat(this.pathOf(key)).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    return found?.isFile() ? { key, size: found.size, lastModified: found.mtime } : undefined;
  }

  async list(prefix = ''): Promise<ObjectInfo[]> {
    checkPrefix(prefix);
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const keys = await this.keysUnder(folder, prefix);
    const infos = await Promise.all(keys.map((key) => this.head(key)));
    return infos
      .filter((info) => info !== undefined)
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }

  private pathOf(key: string): string {
    checkObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  /** The keys under `folder` (empty or ending in `/`) that start with `prefix`, skipping temporary files. */
  private async keysUnder(folder: string, prefix: string): Promise<string[]> {
    const entries = await readdir(join(this.root, folder), { withFileTypes: true }).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    const keys: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const key = `${folder}${entry.name}`;
      if (entry.isDirectory() && (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`))) {
        keys.push(...(await this.keysUnder(`${key}/`, prefix)));
      } else if (entry.isFile() && key.startsWith(prefix)) {
        keys.push(key);
      }
    }
    return keys;
  }
}

/** Writes a body whole or piece by piece; each `writeFile` goes on from where the last one stopped. */
async function writeBody(file: FileHandle, body: ObjectBody): Promise<void> {
  if (typeof body === 'string' || body instanceof Uint8Array) await file.writeFile(body);
  else for await (const piece of body) await file.writeFile(piece);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
