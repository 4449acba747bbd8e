import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../domain/errors.js';
import {
  ANALYSIS_FILE,
  LOCAL_VALUES_FILE,
  mergeChunks,
  type ChunkSummary,
  type MergeOptions,
} from '../domain/shap/clarify-output.js';

const LOCAL_VALUES_DIR = dirname(LOCAL_VALUES_FILE);

/**
 * A folder beside an explanation's output folder where the output is built, chunk by chunk, and then published
 * in a few renames. A run that fails leaves nothing at the output: not even the folders it had to create.
 */
export class ExplanationStaging {
  private published = false;

  private constructor(
    readonly dir: string,
    private readonly out: string,
    private readonly createdParent: string | undefined,
  ) {}

  static async create(out: string): Promise<ExplanationStaging> {
    const target = resolve(out);
    const existing = await stat(target).catch(() => undefined);
    if (existing !== undefined && !existing.isDirectory()) {
      throw new InputError('is a file, not a folder', { file: out, field: '--out' }, 'Give the folder to write into');
    }
    const createdParent = await mkdir(dirname(target), { recursive: true });
    const dir = await mkdtemp(join(dirname(target), `.${basename(target)}.explain-`));
    return new ExplanationStaging(dir, target, createdParent);
  }

  /** Where chunk `index` keeps its local values until the merge. */
  chunkFile(index: number): string {
    return join(this.dir, 'chunks', `${String(index).padStart(6, '0')}.csv`);
  }

  async writeChunk(index: number, body: string): Promise<void> {
    await mkdir(join(this.dir, 'chunks'), { recursive: true });
    await writeFile(this.chunkFile(index), body);
  }

  /** Writes a file of the output, by its path relative to the output folder. */
  async writeOutput(relative: string, text: string): Promise<void> {
    await mkdir(dirname(join(this.dir, 'output', relative)), { recursive: true });
    await writeFile(join(this.dir, 'output', relative), text);
  }

  /** Merges the chunks written so far into out.csv and analysis.json. */
  async merge(summaries: readonly ChunkSummary[], options: MergeOptions): Promise<void> {
    const localValues = join(this.dir, 'output', LOCAL_VALUES_FILE);
    await mkdir(dirname(localValues), { recursive: true });
    const handle = await open(localValues, 'w');
    try {
      const analysis = await mergeChunks(
        summaries,
        {
          readBody: (index) => createReadStream(this.chunkFile(index), { encoding: 'utf8' }),
          write: async (text) => void (await handle.write(text)),
        },
        options,
      );
      await this.writeOutput(ANALYSIS_FILE, analysis);
    } finally {
      await handle.close();
    }
    if (!options.saveLocalShapValues) {
      await rm(localValues);
      if ((await readdir(dirname(localValues))).length === 0) await rm(dirname(localValues), { recursive: true });
    }
  }

  /** Moves the output into place, replacing what an earlier run left there. */
  async publish(): Promise<void> {
    await mkdir(this.out, { recursive: true });
    const staged = join(this.dir, 'output');
    const previous = join(this.out, LOCAL_VALUES_DIR);
    if (await exists(previous)) await rename(previous, join(this.dir, 'replaced'));
    if (await exists(join(staged, LOCAL_VALUES_DIR))) await rename(join(staged, LOCAL_VALUES_DIR), previous);
    await rename(join(staged, ANALYSIS_FILE), join(this.out, ANALYSIS_FILE));
    this.published = true;
  }

  /** Removes the staging folder, and after a failure the folders created for the output. */
  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    if (!this.published && this.createdParent !== undefined) await rm(this.createdParent, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
