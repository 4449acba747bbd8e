import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot, venvPython } from './tools.js';

/** The folder of the project's Python scripts. */
export const PYTHON_DIR = join(projectRoot, 'python');

const STDERR_LIMIT = 64 * 1024;

/** A Python script that failed: its exit code or signal, and the end of what it wrote on stderr. */
export class PythonScriptError extends Error {
  override readonly name = 'PythonScriptError';

  constructor(
    readonly script: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    const how = signal === null ? `exited with code ${exitCode}` : `was killed by ${signal}`;
    super(`python/${script} ${how}${stderr.trim() === '' ? '' : `:\n${stderr.trimEnd()}`}`);
  }
}

export interface RunPythonOptions {
  /** Called with each JSON line the script writes on stdout; lines that are not JSON are kept with stderr. */
  onMessage?: (message: unknown) => void;
  /** Aborting sends SIGTERM, then SIGKILL if the script has not exited after `graceMs`. */
  signal?: AbortSignal;
  /** @default 10000 */
  graceMs?: number;
  /** The script's working directory; relative paths in `args` are read from it. */
  cwd?: string;
}

/**
 * Runs `python/<script>` with the project's `.venv` Python and resolves when it exits with code 0.
 * Rejects with a {@link PythonScriptError} when it fails, and with the signal's reason once an aborted script has
 * exited (a script that still finished its work before it could stop resolves).
 */
export function runPythonScript(
  script: string,
  args: readonly string[],
  options: RunPythonOptions = {},
): Promise<void> {
  const { onMessage, signal, graceMs = 10_000, cwd } = options;
  signal?.throwIfAborted();
  const child = spawn(venvPython(), [join(PYTHON_DIR, script), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Scripts import their sibling modules: keep python/ free of __pycache__ folders.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });

  let stderr = '';
  const keep = (text: string) => {
    stderr = (stderr + text).slice(-STDERR_LIMIT);
  };
  child.stderr.setEncoding('utf8').on('data', keep);

  let callbackError: unknown;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), graceMs);
  };
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    if (callbackError !== undefined) return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      keep(`${line}\n`);
      return;
    }
    try {
      onMessage?.(message);
    } catch (error) {
      // The caller cannot use what follows: stop the script and report the caller's error.
      callbackError = error;
      stop();
    }
  });
  signal?.addEventListener('abort', stop, { once: true });

  return new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, killedBy) => {
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', stop);
      if (callbackError !== undefined) reject(callbackError);
      else if (code === 0) resolve();
      else if (signal?.aborted) reject(signal.reason);
      else reject(new PythonScriptError(script, code, killedBy, stderr));
    });
  });
}
