/**
 * Reviewer accounts: a JSON file of names, groups and salted scrypt hashes of passwords, which the CLI writes and the
 * review app reads at each sign-in, so that a reviewer added while the app runs can sign in at once.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../domain/errors.js';
import { projectRoot } from '../lib/tools.js';

export interface ReviewerAccount {
  /** The reviewer id every verdict of this reviewer carries. */
  id: string;
  /** Groups of review tasks the reviewer is offered; tasks without groups are offered to everyone. */
  groups: string[];
  /** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
  passwordHash: string;
}

/** Where reviewer accounts are kept unless told otherwise. */
export const defaultReviewersFile = join(projectRoot, '.data', 'reviewers.json');

const scryptCost = { N: 16384, r: 8, p: 1 };
const keyLength = 32;
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** A salted scrypt hash of a password, in the form {@link verifyPassword} reads. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, scryptCost);
  const { N, r, p } = scryptCost;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether the password matches the hash; a malformed hash matches nothing. Takes as long either way. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, checked for unknown names so that a sign-in takes as long whoever is named. */
export const unknownReviewerHash = `scrypt$${scryptCost.N}$${scryptCost.r}$${scryptCost.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAA`;

/** A random password of 20 characters (120 bits) that a reviewer can type. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** Throws an {@link InputError} unless the name can be a reviewer id. */
export function checkReviewerName(name: string, field = 'NAME'): void {
  if (!namePattern.test(name)) {
    throw new InputError(
      `'${name}' is not a reviewer name`,
      { field },
      'Use 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit',
    );
  }
}

/** The accounts in the file; none when the file does not exist. */
export async function readReviewers(file: string): Promise<ReviewerAccount[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const fix = 'Fix the file, or remove it and add reviewers with `review-cycle reviewer add NAME`';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`is not valid JSON (${(error as Error).message})`, { file }, fix);
  }
  const reviewers = (parsed as { reviewers?: unknown })?.reviewers;
  if (!Array.isArray(reviewers)) throw new InputError('has no list "reviewers"', { file }, fix);
  return reviewers.map((entry: Partial<ReviewerAccount>, index) => {
    const field = `reviewers[${index}]`;
    if (typeof entry?.id !== 'string' || !namePattern.test(entry.id)) {
      throw new InputError('has no valid "id"', { file, field }, fix);
    }
    if (typeof entry.passwordHash !== 'string') throw new InputError('has no "passwordHash"', { file, field }, fix);
    const groups = entry.groups ?? [];
    if (!Array.isArray(groups) || groups.some((group) => typeof group !== 'string')) {
      throw new InputError('has "groups" that are not a list of names', { file, field }, fix);
    }
    return { id: entry.id, groups, passwordHash: entry.passwordHash };
  });
}

/** Writes the accounts whole or not at all, readable by the owner only. */
export async function writeReviewers(file: string, reviewers: readonly ReviewerAccount[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify({ reviewers }, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Whether a reviewer may see a task offered to `taskGroups`: no groups means every reviewer. */
export function mayReview(reviewerGroups: readonly string[], taskGroups: readonly string[]): boolean {
  return taskGroups.length === 0 || taskGroups.some((group) => reviewerGroups.includes(group));
}
