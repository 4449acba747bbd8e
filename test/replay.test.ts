import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../lib/tools.js';
import { sharedWorkflowBundle } from '../lib/workflow-bundle.js';
import './helpers/temporal.js';

const historiesDir = join(projectRoot, 'test', 'histories');

/** Every committed history, by file name; `scripts/record-histories.ts` regenerates them. */
async function committedHistories(): Promise<{ workflowId: string; history: ReturnType<typeof historyFromJSON> }[]> {
  const files = (await readdir(historiesDir)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(await readFile(join(historiesDir, file), 'utf8'))),
    })),
  );
}

describe('committed workflow histories', () => {
  it('replay against the current workflow code without a non-determinism error', async () => {
    const histories = await committedHistories();
    assert.ok(histories.length >= 3, `found only ${histories.length} histories in ${historiesDir}`);

    const replayed: string[] = [];
    const options = { workflowBundle: await sharedWorkflowBundle(), replayName: 'committed-histories' };
    for await (const result of Worker.runReplayHistories(options, histories)) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${String(result.error)}`);
      replayed.push(result.workflowId);
    }
    assert.deepEqual(replayed.sort(), histories.map((history) => history.workflowId).sort());
  });
});
