/** Reading command-line values the way every `review-cycle` command does: a bad one is an error naming its flag. */
import { InputError } from '../domain/errors.js';

/** Pipeline, batch and task ids: they become parts of workflow ids, visibility queries and object-store keys. */
const idPattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The longest pipeline id; the ids of its tasks and batches are made from it. */
const maxPipelineIdLength = 64;

/** The pipeline a command works on when `--pipeline` is not given. */
export const defaultPipelineId = 'main';

/** Runs the subcommand named by the first argument with the rest. */
export function runSubcommand(
  command: string,
  args: string[],
  subcommands: Record<string, (args: string[]) => Promise<void>>,
): Promise<void> {
  const [name, ...rest] = args;
  const known = Object.keys(subcommands).join(', ');
  if (name === undefined) throw new InputError(`${command} needs a subcommand`, {}, `Use one of ${known}`);
  const subcommand = subcommands[name];
  if (subcommand === undefined) throw new InputError(`unknown subcommand '${name}'`, {}, `Use one of ${known}`);
  return subcommand(rest);
}

/** The value of a flag that must be given. */
export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value.trim() === '') {
    throw new InputError(`${flag} is required`, {}, `Usage: review-cycle ${usage}`);
  }
  return value;
}

/** An id given by a flag, or the default when there is one. */
export function readId(value: string | undefined, flag: string, fallback?: string): string {
  const id = value ?? fallback;
  if (id === undefined) throw new InputError(`${flag} is required`);
  if (!idPattern.test(id) || id.length > 255) {
    throw new InputError(
      `${flag} '${id}' is not an id`,
      {},
      'Use letters, digits, dots, underscores and dashes, not starting with a dot',
    );
  }
  return id;
}

/** The pipeline named by `--pipeline`, {@link defaultPipelineId} when it is not given. */
export function readPipelineId(value: string | undefined): string {
  const id = readId(value, '--pipeline', defaultPipelineId);
  if (id.length > maxPipelineIdLength) {
    throw new InputError(`--pipeline '${id}' is longer than ${maxPipelineIdLength} characters`);
  }
  return id;
}

/** A number given by a flag; range checks are the configuration's, so they name the flag too. */
export function readNumber(value: string, flag: string): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number)) throw new InputError(`${flag} '${value}' is not a number`);
  return number;
}

/** A whole number of at least `min` given by a flag. */
export function readWholeNumber(value: string, flag: string, min: number): number {
  const number = readNumber(value, flag);
  if (!Number.isSafeInteger(number) || number < min) {
    throw new InputError(`${flag} must be a whole number of at least ${min}, not ${value}`);
  }
  return number;
}

/** The one positional argument a subcommand takes, such as a task id. */
export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) {
    const got = positionals.length === 0 ? 'none' : positionals.join(' ');
    throw new InputError(`expected one ${what}, got ${got}`, {}, `Usage: review-cycle ${usage}`);
  }
  return positionals[0]!;
}
