/** Debian's Chromium, driven by playwright-core, for tests that use the review app as a reviewer would. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where `scripts/setup.sh --test` installs Chromium; `CHROMIUM_PATH` names another. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: run \`bash scripts/setup.sh --test\` as root, or \`apt-get install chromium\`, ` +
        'or set CHROMIUM_PATH',
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
