import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { manifestKey, readGroundTruth } from '../activities/local/ground-truth.js';
import { decisionsFromOutput, type ReviewOutput } from '../activities/local/review-output.js';
import { reviewOutputKey } from '../activities/local/reviews.js';
import { getJson } from '../lib/object-store.js';
import { startPipeline } from '../lib/pipeline-client.js';
import { projectRoot } from '../lib/tools.js';
import { startReviewApp, type ReviewApp } from '../review-app/index.js';
import { LoginRateLimiter } from '../review-app/rate-limit.js';
import { fieldLabels, reasonField, verdictField } from '../workflows/review-fields.js';
import { hashPassword, writeReviewers } from '../review-app/reviewers.js';
import { getCycleStatusQuery, getTaskViewQuery } from '../workflows/definitions.js';
import type { ReviewCycleWorkflow } from '../workflows/review-cycle.js';
import type { RecordDecision, ReviewRecord, TaskView } from '../workflows/review-types.js';
import { launchChromium } from './helpers/browser.js';
import { LocalBackend, treeExplanation } from './helpers/local-backend.js';
import { recordGroup, screenshot, signIn, tabTo, taskIdOf } from './helpers/review-pages.js';
import { sharedWorkflowBundle } from '../lib/workflow-bundle.js';
import { startLocalEnvironment, uniqueId } from './helpers/temporal.js';
import { eventually as eventuallyWithin } from './helpers/eventually.js';

const passwords = { ana: 'ana-password-1234', carla: 'carla-password-5678' };
const agreeLabel = 'Agree: the predicted outcome is right';
const disagreeLabel = 'Disagree: the predicted outcome is wrong';

let env: TestWorkflowEnvironment;
let backend: LocalBackend;
let worker: Worker;
let running: Promise<void>;
let taskQueue: string;
let app: ReviewApp;
let browser: Browser;
let pipelineId: string;
let pipeline: WorkflowHandle<typeof ReviewCycleWorkflow>;
let reviewersFile: string;

before(async () => {
  env = await startLocalEnvironment();
  backend = await LocalBackend.create({ client: env.client });
  taskQueue = uniqueId('review-app');
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: backend.activities,
    workflowBundle: await sharedWorkflowBundle(),
  });
  running = worker.run();

  reviewersFile = join(backend.root, 'reviewers.json');
  await writeReviewers(reviewersFile, [{ id: 'ana', groups: [], passwordHash: await hashPassword(passwords.ana) }]);
  await reviewCycle(['reviewer', 'add', 'carla', '--groups', 'audit', '--file', reviewersFile], passwords.carla);

  pipelineId = uniqueId('p-app');
  pipeline = await startPipeline(env.client, {
    pipelineId,
    config: { batchSize: 12, explanation: treeExplanation, review: { reviewer: 'human' } },
    maxBatches: 1,
    taskQueue,
  });
  app = await startReviewApp({
    client: env.client,
    store: backend.store,
    port: 0,
    reviewersFile,
    loginLimits: { perAccount: 3, perAddress: 50, windowMs: 60_000 },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await app?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await env?.teardown();
  await backend?.remove();
});

/** Runs `review-cycle` with the given standard input; resolves to what it printed. */
function reviewCycle(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', ['bin/review-cycle.js', ...args], { cwd: projectRoot }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin!.end(input);
  });
}

/** Real plots and a browser share two cores here: a step may take up to two minutes. */
function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  return eventuallyWithin(check, what, { attempts: 1200 });
}

/** The pipeline's review tasks, once they are all open and listed by visibility. */
async function openTasks(): Promise<string[]> {
  const expected = await eventually(async () => {
    const status = await pipeline.query(getCycleStatusQuery);
    return status.phase === 'AWAITING_REVIEW' && status.openTasks.length > 0 ? status.openTasks : undefined;
  }, 'the pipeline waits for reviewers');
  return eventually(async () => {
    const listed: string[] = [];
    const query = `WorkflowType = 'HumanReviewWorkflow' AND ReviewStatus = 'OPEN'`;
    for await (const info of env.client.workflow.list({ query })) listed.push(info.workflowId);
    return expected.every((taskId) => listed.includes(taskId)) ? expected : undefined;
  }, 'visibility lists the open tasks');
}

function taskView(taskId: string): Promise<TaskView> {
  return env.client.workflow.getHandle(taskId).query(getTaskViewQuery);
}

async function storedDecision(view: TaskView, record: ReviewRecord): Promise<RecordDecision | undefined> {
  const key = reviewOutputKey(view, record.rowId);
  if (!(await backend.store.head(key))) return undefined;
  return decisionsFromOutput(await getJson<ReviewOutput>(backend.store, key), key)[0];
}

describe('the review app, in Chromium, on a real pipeline waiting for reviewers', () => {
  let taskIds: string[];
  let reviewer: BrowserContext;
  let page: Page;
  let firstTask: TaskView;
  let secondTaskId: string;
  const xss = '<script>window.injected = 1</script><img src=x onerror="window.injected = 2"><b>bold</b> & "quoted"';

  before(async () => {
    taskIds = await openTasks();
    assert.ok(taskIds.length >= 2, `the batch has at least two review tasks, not ${taskIds.length}`);
    const sizes = await Promise.all(taskIds.map(async (taskId) => (await taskView(taskId)).records.length));
    assert.ok(sizes.includes(3), 'a task has three records');
  });

  it('refuses signed-out requests, with its security headers', async () => {
    const task = await taskView(taskIds[0]!);
    const rowId = task.records[0]!.rowId;

    const home = await fetch(`${app.url}/`, { redirect: 'manual' });
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/login?next=%2F');
    assert.match(home.headers.get('content-security-policy')!, /default-src 'none'.*frame-ancestors 'none'/);
    assert.equal(home.headers.get('x-content-type-options'), 'nosniff');

    const post = await fetch(`${app.url}/tasks/${task.taskId}/verdicts`, {
      method: 'POST',
      body: new URLSearchParams({ [verdictField(rowId)]: 'agree' }),
      redirect: 'manual',
    });
    assert.equal(post.status, 403);
    assert.match(await post.text(), /Form refused/);
    assert.equal((await fetch(`${app.url}/tasks/${task.taskId}/records/${rowId}/plot.png`)).status, 401);
    assert.equal((await taskView(task.taskId)).records[0]!.decision.status, 'PENDING');
  });

  it('limits failed sign-ins per account, and per address across accounts', async () => {
    const context = await browser.newContext();
    const login = await context.newPage();
    for (let attempt = 0; attempt < 3; attempt++) {
      await signIn(login, app.url, 'mallory', 'not-the-password');
      assert.equal(await login.getByRole('alert').textContent(), 'Unknown reviewer name or wrong password.');
    }
    await signIn(login, app.url, 'mallory', 'not-the-password');
    assert.match((await login.getByRole('alert').textContent())!, /Too many failed sign-ins/);
    await context.close();

    let now = 0;
    const limiter = new LoginRateLimiter({ perAccount: 5, perAddress: 3, windowMs: 1000 }, () => now);
    for (const name of ['a', 'b', 'c']) limiter.recordFailure(name, '192.0.2.1');
    assert.ok(limiter.retryAfterMs('d', '192.0.2.1') > 0, 'a fourth account from the same address waits');
    assert.equal(limiter.retryAfterMs('d', '192.0.2.2'), 0);
    now = 1001;
    assert.equal(limiter.retryAfterMs('d', '192.0.2.1'), 0);
  });

  it('signs in and lists the open tasks, oldest first, with batch, records and deadlines', async () => {
    reviewer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await reviewer.newPage();
    await signIn(page, app.url, 'ana', passwords.ana);
    assert.equal(new URL(page.url()).pathname, '/');

    const rows = page.locator('table.queue tbody tr');
    assert.deepEqual((await page.locator('table.queue tbody th a').allTextContents()).sort(), [...taskIds].sort());
    const first = await rows.first().locator('td').allTextContents();
    assert.equal(first[0], 'stream-0000');
    assert.match(first[1]!, /^\d of \d waiting$/);
    assert.match(first[3]!, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.match(first[4]!, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    await screenshot(page, 'queue');
  });

  it('asks for a reason on a disagreement, both on the page and through the task validator', async () => {
    const full = page.locator('table.queue tbody tr').filter({ hasText: '3 of 3 waiting' }).first();
    await full.getByRole('link').click();
    firstTask = await taskView(taskIdOf(page));
    const record = recordGroup(page, 1);
    assert.equal(await record.getByRole('img').getAttribute('alt'), firstTask.records[0]!.plotDescription);
    assert.equal(await record.locator('table.features tbody tr').count(), 14);

    await record.getByLabel(disagreeLabel).check();
    await page.getByRole('button', { name: fieldLabels.submit }).click();
    assert.equal(await record.locator('.field-error').textContent(), fieldLabels.reasonMissing);
    assert.equal(taskIdOf(page), firstTask.taskId);
    await screenshot(page, 'task-reason-missing');

    // Without the page's script, the review task's own validator refuses the verdict.
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await signIn(plain, app.url, 'ana', passwords.ana);
    await plain.goto(`${app.url}/tasks/${encodeURIComponent(firstTask.taskId)}`);
    await recordGroup(plain, 1).getByLabel(disagreeLabel).check();
    const [response] = await Promise.all([
      plain.waitForResponse((r) => r.request().method() === 'POST'),
      plain.getByRole('button', { name: fieldLabels.submit }).click(),
    ]);
    assert.equal(response.status(), 422);
    assert.match(
      (await recordGroup(plain, 1).locator('.field-error').textContent())!,
      /a disagree verdict needs a reason that says why the model is wrong/,
    );
    await noScript.close();
    assert.equal((await taskView(firstTask.taskId)).records[0]!.decision.status, 'PENDING');
  });

  it('takes a disagreement with a reason, and shows the reason back as text, never as markup', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => void dialogs.push(dialog.message()));
    const record = recordGroup(page, 1);
    await record.getByLabel(/Reason for change/).fill(xss);
    await page.getByRole('button', { name: fieldLabels.submit }).click();
    await page.waitForLoadState();

    assert.match((await page.getByRole('status').first().textContent())!, /1 verdict on task .* recorded/);
    assert.equal(await record.locator('q.reason').textContent(), xss);
    assert.equal(await record.locator('q.reason *').count(), 0);
    assert.equal(await page.evaluate('typeof window.injected'), 'undefined');
    assert.deepEqual(dialogs, []);

    const stored = await storedDecision(firstTask, firstTask.records[0]!);
    assert.equal(stored?.status, 'DISAGREED');
    assert.equal(stored?.reason, xss);
    assert.equal(stored?.reviewerId, 'ana');
    await screenshot(page, 'task-decided');
  });

  it('refuses forms without the session token and overlong reasons, and changes nothing', async () => {
    const rowId = firstTask.records[1]!.rowId;
    const url = `${app.url}/tasks/${encodeURIComponent(firstTask.taskId)}/verdicts`;
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const post = (form: Record<string, string>) => reviewer.request.post(url, { form, maxRedirects: 0 });

    assert.equal((await post({ [verdictField(rowId)]: 'agree' })).status(), 403);
    assert.equal((await post({ csrf: `${csrf}x`, [verdictField(rowId)]: 'agree' })).status(), 403);
    const overlong = await post({ csrf, [verdictField(rowId)]: 'disagree', [reasonField(rowId)]: 'x'.repeat(2001) });
    assert.equal(overlong.status(), 422);
    assert.match(await overlong.text(), /the reason has 2001 characters; give a text of at most 2000/);

    assert.equal((await taskView(firstTask.taskId)).records[1]!.decision.status, 'PENDING');
    assert.equal(await storedDecision(firstTask, firstTask.records[1]!), undefined);
  });

  it('takes agreements given with the keyboard alone, then opens the next task', async () => {
    const rest = firstTask.records.slice(1);
    await page.reload();
    for (const record of rest) {
      await tabTo(page, `input[name="${verdictField(record.rowId)}"]`);
      await page.keyboard.press('Space');
    }
    await tabTo(page, 'form.verdicts button[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname.startsWith('/tasks/') && !url.pathname.endsWith(firstTask.taskId));

    secondTaskId = taskIdOf(page);
    assert.ok(taskIds.includes(secondTaskId));
    assert.match((await page.getByRole('status').first().textContent())!, /This is the next open task/);
    const decided = await taskView(firstTask.taskId);
    assert.deepEqual(
      decided.records.map((record) => record.decision.status),
      ['DISAGREED', ...rest.map(() => 'AGREED')],
    );
    await screenshot(page, 'task-next');
  });

  it('shows the second of two tabs that the record was already decided, and keeps the first verdict', async () => {
    // A task of three records stays open after the first verdict, so the second tab meets the task's validator.
    await page.goto(`${app.url}/`);
    await page.locator('table.queue tbody tr').filter({ hasText: '3 of 3 waiting' }).first().getByRole('link').click();
    secondTaskId = taskIdOf(page);
    const other = await reviewer.newPage();
    await other.goto(page.url());

    await recordGroup(page, 1).getByLabel(agreeLabel).check();
    await page.getByRole('button', { name: fieldLabels.submit }).click();
    await page.waitForLoadState();

    await recordGroup(other, 1).getByLabel(disagreeLabel).check();
    await recordGroup(other, 1)
      .getByLabel(/Reason for change/)
      .fill('The income is plainly higher');
    await other.getByRole('button', { name: fieldLabels.submit }).click();
    await other.waitForLoadState();
    assert.match(
      (await recordGroup(other, 1).locator('.field-error').textContent())!,
      /was already decided \(AGREED\) by ana/,
    );
    await screenshot(other, 'task-two-tabs');
    await other.close();

    const view = await taskView(secondTaskId);
    const stored = await storedDecision(view, view.records[0]!);
    assert.equal(stored?.status, 'AGREED');
    assert.equal(stored?.reason, undefined);
  });

  it('answers unknown tasks and paths outside the plots with a 404, without a stack trace', async () => {
    const missing = await page.goto(`${app.url}/tasks/no-such-task`);
    assert.equal(missing?.status(), 404);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'No such task');
    assert.doesNotMatch(await page.content(), /\.ts:\d+|at async/);

    const task = encodeURIComponent(secondTaskId);
    const get = (path: string) => reviewer.request.get(`${app.url}${path}`);
    const plot = await get(`/tasks/${task}/records/${encodeURIComponent(firstTask.records[0]!.rowId)}/plot.png`);
    assert.equal(plot.status(), 404, "a record of another task is not this task's");
    const view = await taskView(secondTaskId);
    const own = await get(`/tasks/${task}/records/${encodeURIComponent(view.records[0]!.rowId)}/plot.png`);
    assert.equal(own.status(), 200);
    assert.deepEqual([...(await own.body()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    for (const path of [
      `/tasks/${task}/records/..%2F..%2Finput.csv/plot.png`,
      `/tasks/${task}/records/${encodeURIComponent('../../../models/current.json')}/plot.png`,
      '/static/..%2Fapp.ts',
      '/static/%2e%2e%2fapp.ts',
    ]) {
      assert.equal((await get(path)).status(), 404, path);
    }
  });

  it('writes every verdict to the ground truth once the last task is decided', async () => {
    // Visibility may still list a task just decided as open: the queue is read afresh until the cycle moves on.
    await eventually(async () => {
      if ((await pipeline.query(getCycleStatusQuery)).phase !== 'AWAITING_REVIEW') return true;
      await page.goto(`${app.url}/`);
      const start = page.getByRole('link', { name: 'Start with the oldest' });
      if ((await start.count()) === 0) return undefined;
      await start.click();
      const submit = page.getByRole('button', { name: fieldLabels.submit });
      if ((await submit.count()) === 0) return undefined;
      for (const radio of await page.locator('input[type="radio"][value="agree"]').all()) await radio.check();
      await submit.click();
      await page.waitForLoadState();
      return undefined;
    }, 'every task of the batch is decided');

    const summary = await pipeline.result();
    assert.equal(summary.totals.overturned, 1);
    const { rows } = await readGroundTruth(backend.store, manifestKey(pipelineId, summary.groundTruthVersion!));
    assert.equal(rows.length, summary.totals.sentForReview);
    assert.ok(rows.every((row) => row.reviewer_id === 'ana'));
    const overturned = rows.filter((row) => row.verdict === 'disagree');
    assert.deepEqual(
      overturned.map((row) => [row.row_id, row.reason]),
      [[firstTask.records[0]!.rowId, xss]],
    );
  });

  it('offers a task to its groups only, and says so when verdicts arrive after it expired', async () => {
    const record = firstTask.records[0]!;
    const taskId = uniqueId('audit-task');
    const handle = await env.client.workflow.start('HumanReviewWorkflow', {
      taskQueue,
      workflowId: taskId,
      args: [
        {
          taskId,
          pipelineId: firstTask.pipelineId,
          batchId: firstTask.batchId,
          modelVersion: firstTask.modelVersion,
          threshold: 0.5,
          records: [record],
          remindAfter: '1 day',
          expireAfter: '20 seconds',
          groups: ['audit'],
        },
      ],
    });
    const taskPath = `/tasks/${encodeURIComponent(taskId)}`;
    assert.equal((await page.goto(`${app.url}${taskPath}`))?.status(), 404, 'ana is not in the audit group');

    const auditor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await auditor.newPage();
    await signIn(tab, app.url, 'carla', passwords.carla);
    await eventually(async () => {
      await tab.reload();
      return (await tab.getByRole('link', { name: taskId }).count()) > 0 ? true : undefined;
    }, 'the audit task shows in the queue');
    await tab.goto(`${app.url}${taskPath}`);
    await recordGroup(tab, 1).getByLabel(agreeLabel).check();

    await handle.result();
    await tab.getByRole('button', { name: fieldLabels.submit }).click();
    await tab.waitForLoadState();
    assert.match((await tab.getByRole('alert').first().textContent())!, /expired|closed \(EXPIRED\)/);
    await screenshot(tab, 'task-expired');

    await tab.getByRole('button', { name: 'Sign out' }).click();
    await tab.waitForURL(`${app.url}/login`);
    await tab.goto(`${app.url}${taskPath}`);
    assert.equal(new URL(tab.url()).pathname, '/login', 'signed out, the task page asks to sign in again');
    await auditor.close();

    const view = await taskView(taskId);
    assert.equal((await storedDecision(view, record))?.status, 'EXPIRED');
  });
});
