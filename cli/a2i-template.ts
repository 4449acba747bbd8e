import { parseArgs } from 'node:util';
import { InputError } from '../domain/errors.js';
import { writeFileAtomic } from '../lib/files.js';
import { a2iWorkerTemplate } from '../review-app/a2i-template.js';
import type { Command } from './main.js';

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const a2iTemplateCommand: Command = {
  usage: 'a2i-template --out FILE.html --bucket NAME',
  summary: [
    'Writes the Amazon A2I worker template of a review task: a crowd-html Liquid template with the same fields as',
    "the review app's form (a verdict and a reason per record, named after the record's row id), for",
    '`aws sagemaker create-human-task-ui --ui-template Content=...`.',
    '',
    '  --out FILE.html  where to write the template',
    "  --bucket NAME    the S3 bucket that holds the records' plots (their plotPngKey), shown through grant_read_access",
  ].join('\n'),
  run,
};

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { out: { type: 'string' }, bucket: { type: 'string' } },
    strict: true,
  });
  const usage = `Usage: review-cycle ${a2iTemplateCommand.usage}`;
  if (values.out === undefined) throw new InputError('is missing', { field: '--out' }, usage);
  if (values.bucket === undefined) throw new InputError('is missing', { field: '--bucket' }, usage);
  if (!bucketPattern.test(values.bucket)) {
    throw new InputError(
      `'${values.bucket}' is not an S3 bucket name`,
      { field: '--bucket' },
      'Give 3 to 63 lower-case letters, digits, dots or dashes',
    );
  }
  await writeFileAtomic(values.out, a2iWorkerTemplate({ bucket: values.bucket }));
  console.log(`Wrote ${values.out}`);
}
