import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import {
  checkReviewerName,
  defaultReviewersFile,
  generatePassword,
  hashPassword,
  readReviewers,
  writeReviewers,
} from '../review-app/reviewers.js';
import type { Command } from './main.js';

const minPasswordLength = 12;

export const reviewerCommand: Command = {
  usage: 'reviewer add NAME [--groups a,b] [--replace] [--file FILE]',
  summary: [
    'Adds a reviewer account to the review app. The password is read from standard input when one is piped in',
    '(`echo "$PASSWORD" | review-cycle reviewer add ana`); otherwise a random one is made and printed this once.',
    'Only a salted scrypt hash of it is stored.',
    '',
    '  --groups a,b  the review groups the reviewer takes tasks of (default: none, so only tasks without groups)',
    '  --replace     replace an existing account of that name',
    `  --file FILE   the accounts file (default: REVIEW_APP_REVIEWERS, else ${defaultReviewersFile})`,
  ].join('\n'),
  run,
};

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      groups: { type: 'string' },
      replace: { type: 'boolean' },
      file: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, name, ...extra] = positionals;
  const usage = `Usage: review-cycle ${reviewerCommand.usage}`;
  if (action !== 'add') throw new InputError(`'${action ?? ''}' is not an action`, { field: 'reviewer' }, usage);
  if (name === undefined || extra.length > 0) throw new InputError('give one NAME', { field: 'NAME' }, usage);
  checkReviewerName(name);
  const groups = parseGroups(values.groups);
  const file = values.file ?? (process.env.REVIEW_APP_REVIEWERS || defaultReviewersFile);

  const reviewers = await readReviewers(file);
  const existing = reviewers.findIndex((reviewer) => reviewer.id === name);
  if (existing >= 0 && !values.replace) {
    throw new InputError(`reviewer '${name}' already exists`, { file }, 'Give --replace to set a new password');
  }

  const piped = process.stdin.isTTY ? '' : (await text(process.stdin)).split(/\r?\n/)[0]!;
  const password = piped === '' ? generatePassword() : piped;
  if (password.length < minPasswordLength) {
    throw new InputError(
      `the password has ${password.length} characters`,
      { field: 'stdin' },
      `Give at least ${minPasswordLength}, or pipe nothing to have one made`,
    );
  }
  const account = { id: name, groups, passwordHash: await hashPassword(password) };
  if (existing >= 0) reviewers[existing] = account;
  else reviewers.push(account);
  await writeReviewers(file, reviewers);

  const offered = groups.length === 0 ? 'tasks without groups' : `tasks of the groups ${groups.join(', ')}`;
  console.log(`${existing >= 0 ? 'Replaced' : 'Added'} reviewer ${name} (${offered}) in ${file}`);
  if (piped === '') console.log(`Password: ${password}  (shown only now)`);
}

function parseGroups(list: string | undefined): string[] {
  if (list === undefined) return [];
  const groups = list.split(',').map((group) => group.trim());
  for (const group of groups) checkReviewerName(group, '--groups');
  return [...new Set(groups)];
}
