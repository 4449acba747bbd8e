/** What a reviewer does on the review app's pages, as the browser tests do it. */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../lib/tools.js';

/** Where the browser tests keep their screenshots (ignored by git). */
export const screenshotFolder = join(projectRoot, 'test', 'artifacts', 'review-app');

export async function signIn(page: Page, appUrl: string, name: string, password: string): Promise<void> {
  await page.goto(`${appUrl}/login`);
  await page.getByLabel('Reviewer name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

/** The id of the task the page shows. */
export function taskIdOf(page: Page): string {
  return decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
}

/** The fieldset of the task's record at `position`, from 1. */
export function recordGroup(page: Page, position: number) {
  return page.getByRole('group', { name: new RegExp(`^Record ${position} of \\d+`) });
}

/** Presses Tab until the focused element matches, as a keyboard user would. */
export async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 60; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) === true`)) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

/** Saves the whole page as `<name>.png` in {@link screenshotFolder}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotFolder, { recursive: true });
  await page.screenshot({ path: join(screenshotFolder, `${name}.png`), fullPage: true });
}
