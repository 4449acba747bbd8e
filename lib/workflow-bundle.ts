/**
 * The workflow bundle a worker runs, made by webpack in a short-lived child process. Bundling in the worker's own
 * process leaves it holding some 100 MB that webpack used once, for as long as the worker lives.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bundles the workflows module at `workflowsPath` in a child process and returns the bundle's code. */
export async function bundleWorkflowsApart(workflowsPath: string): Promise<{ code: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'review-cycle-workflows-'));
  try {
    const codePath = join(dir, 'workflows.js');
    const args = ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), workflowsPath, codePath];
    await run(process.execPath, args, { maxBuffer: 16 << 20 });
    return { code: await readFile(codePath, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The child: `node --import tsx lib/workflow-bundle.ts WORKFLOWS.ts OUT.js`. */
async function bundleToFile(workflowsPath: string, codePath: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  await writeFile(codePath, code);
}

const ignore = () => undefined;
/** Webpack's progress stays quiet; its errors reach the parent through this process's stderr. */
const quiet = { trace: ignore, debug: ignore, info: ignore, warn: ignore, log: ignore, error: console.error };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [workflowsPath, codePath] = process.argv.slice(2);
  await bundleToFile(workflowsPath!, codePath!);
}
