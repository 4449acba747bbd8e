/** The review app as `npm start` runs it: beside the worker, for as long as the main job runs. */
import type { Client } from '@temporalio/client';
import type { ObjectStore } from '../lib/object-store.js';
import { startReviewApp } from './app.js';
import { generatePassword, hashPassword, readReviewers, writeReviewers } from './reviewers.js';
import { reviewAppSettingsFromEnv } from './settings.js';

/** The account made when `npm start` finds no reviewers, so that the app can be tried at once. */
export const firstReviewerName = 'reviewer';

/**
 * Starts the review app with the settings of the environment over the worker's object store, prints its address,
 * runs `job`, then stops the app.
 * When the accounts file has no reviewer, it first adds one with a random password, printed this once.
 */
export async function withReviewApp<T>(client: Client, store: ObjectStore, job: () => Promise<T>): Promise<T> {
  const settings = reviewAppSettingsFromEnv();
  if ((await readReviewers(settings.reviewersFile)).length === 0) {
    const password = generatePassword();
    await writeReviewers(settings.reviewersFile, [
      { id: firstReviewerName, groups: [], passwordHash: await hashPassword(password) },
    ]);
    console.log(
      `Created ${settings.reviewersFile} with the reviewer '${firstReviewerName}', password ${password} ` +
        '(shown only now; add reviewers with `review-cycle reviewer add NAME`)',
    );
  }

  const app = await startReviewApp({ client, store, ...settings });
  console.log(`Review app: ${app.url}`);
  try {
    return await job();
  } finally {
    await app.close();
  }
}
