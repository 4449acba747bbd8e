import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decisionsFromOutput, type ReviewOutput } from '../activities/local/review-output.js';
import { projectRoot } from '../lib/tools.js';
import { reasonField, verdictField } from '../workflows/review-fields.js';
import type { ReviewRecord } from '../workflows/review-types.js';

const run = promisify(execFile);

describe('the A2I worker template', () => {
  it("has the review form's fields, one name per record, and its answers read back as verdicts", async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'review-cycle-a2i-')), 'worker-template.html');
    await run('node', ['bin/review-cycle.js', 'a2i-template', '--out', out, '--bucket', 'review-bucket'], {
      cwd: projectRoot,
    });
    const template = await readFile(out, 'utf8');
    const rowId = '{{ record.rowId | escape }}';
    assert.match(template, /<crowd-form>/);
    assert.match(template, /{% for record in task.input.records %}/);
    assert.ok(template.includes(`name="${verdictField(rowId)}" value="agree"`));
    assert.ok(template.includes(`name="${verdictField(rowId)}" value="disagree"`));
    assert.ok(template.includes(`name="${reasonField(rowId)}"`));
    assert.ok(template.includes('{% assign plot = "s3://review-bucket/" | append: record.plotPngKey %}'));
    assert.ok(template.includes('{{ plot | grant_read_access }}'));

    const [first, second] = [{ rowId: 'row-a' }, { rowId: 'row-b' }] as ReviewRecord[];
    const answerContent = {
      [verdictField('row-a')]: 'agree',
      [reasonField('row-a')]: '',
      [verdictField('row-b')]: 'disagree',
      [reasonField('row-b')]: 'Income above 50K',
    };
    // A2I stores the form's fields as they were posted; the one reader of output.json takes them unchanged.
    const output: ReviewOutput = {
      flowDefinitionArn: 'arn:aws:sagemaker:eu-west-1:000000000000:flow-definition/review',
      humanLoopName: 'loop-1',
      inputContent: { taskId: 't', pipelineId: 'p', batchId: 'b', modelVersion: 'v0001', records: [first!, second!] },
      humanAnswers: [{ answerContent, submissionTime: '2026-01-02T03:04:05.000Z', workerId: 'w1' }],
    };
    assert.deepEqual(
      decisionsFromOutput(output, 'output.json').map(({ rowId, status, reason }) => ({ rowId, status, reason })),
      [
        { rowId: 'row-a', status: 'AGREED', reason: undefined },
        { rowId: 'row-b', status: 'DISAGREED', reason: 'Income above 50K' },
      ],
    );
  });
});
