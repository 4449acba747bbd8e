import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` until it returns a value, and returns it; fails the test, naming `what`, when it never does.
 * Servers and workers run on between polls.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  { attempts = 600, intervalMs = 100 } = {},
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await delay(intervalMs);
  }
  assert.fail(`Never happened: ${what}`);
}
