/**
 * The bundle of the workflow code that workers run. A long-lived worker has webpack make it in a short-lived child
 * process: bundling in the worker's own process leaves it holding some 100 MB that webpack used once. Processes that
 * run many workers for a while (tests, benchmarks) make it once in process and share it.
 */
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The module whose exports are the workflows a worker runs. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

// Webpack's progress stays quiet; its warnings and errors reach stderr.
const ignore = (): void => {};
const report = (message: string): void => console.error(message);
const bundlerLogger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: report,
  error: report,
  log: (level: string, message: string) => (level === 'WARN' || level === 'ERROR' ? report(message) : undefined),
};

let shared: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, made once in this process and shared by every worker it creates. */
export function sharedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  shared ??= bundleWorkflowCode({ workflowsPath, logger: bundlerLogger });
  return shared;
}

/** Bundles the workflows in a child process and returns the bundle's code. */
export async function bundleWorkflowsApart(): Promise<{ code: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'review-cycle-workflows-'));
  try {
    const codePath = join(dir, 'workflows.js');
    const args = ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), codePath];
    await run(process.execPath, args, { maxBuffer: 16 << 20 });
    return { code: await readFile(codePath, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The child: `node --import tsx lib/workflow-bundle.ts OUT.js`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: bundlerLogger });
  await writeFile(process.argv[2]!, code);
}
