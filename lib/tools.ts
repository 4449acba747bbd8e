import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder that holds package.json, whatever the working directory. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

const venvBin = join(projectRoot, '.venv', 'bin');

/** A program review-cycle runs is not installed; the message says how to install it. */
export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';

  constructor(
    readonly tool: string,
    readonly looked: string[],
    fix = 'Run `npm run setup` to install it',
  ) {
    super(`${tool} not found (looked at ${looked.join(', ')}). ${fix}`);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

function firstExecutable(tool: string, candidates: (string | undefined)[], fix?: string): string {
  const paths = candidates.filter((path) => path !== undefined);
  const found = paths.find(isExecutable);
  if (found === undefined) throw new MissingToolError(tool, paths, fix);
  return found;
}

/**
 * The Temporal CLI (dev server, Web UI, `temporal workflow ...`): `$TEMPORAL_CLI`, else a `temporal` on PATH,
 * else the one `npm run setup` installs into `.venv`.
 */
export function temporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    return firstExecutable('the Temporal CLI named by TEMPORAL_CLI', [fromEnv], 'Correct TEMPORAL_CLI, or unset it');
  }
  return firstExecutable('the Temporal CLI', [onPath('temporal'), join(venvBin, 'temporal')]);
}

/** The time-skipping Temporal test server that `npm run setup` installs into `.venv`. */
export function temporalTestServer(): string {
  return firstExecutable('the Temporal time-skipping test server', [join(venvBin, 'temporal-test-server')]);
}

/** The project's Python, with XGBoost and the other pinned packages of requirements.txt. */
export function venvPython(): string {
  return firstExecutable('the project Python', [join(venvBin, 'python')]);
}
