/**
 * Writes the subset fonts under assets/fonts/ from the full DejaVu fonts in node_modules: only the characters charts
 * use, so that rasterising a chart does not parse a whole font each time. Needs fonttools in .venv, which this
 * installs when it is missing. Run with `node --import tsx scripts/subset-fonts.ts`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FONT_NAMES, SUBSET_FONT_DIR, SUBSET_RANGES } from '../domain/render.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const python = join(root, '.venv/bin/python');
const require = createRequire(import.meta.url);

try {
  execFileSync(python, ['-c', 'import fontTools'], { stdio: 'ignore' });
} catch {
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', 'fonttools'], { stdio: 'inherit' });
}

const hex = (code: number) => code.toString(16).toUpperCase().padStart(4, '0');
const unicodes = SUBSET_RANGES.map(([from, to]) => (from === to ? `U+${hex(from)}` : `U+${hex(from)}-${hex(to)}`));
for (const name of FONT_NAMES) {
  const source = require.resolve(`dejavu-fonts-ttf/ttf/${name}`);
  const args = ['-m', 'fontTools.subset', source, `--unicodes=${unicodes.join(',')}`, '--no-hinting'];
  args.push('--layout-features=kern,liga', `--output-file=${join(SUBSET_FONT_DIR, name)}`);
  execFileSync(python, args, { stdio: 'inherit' });
}
copyFileSync(require.resolve('dejavu-fonts-ttf/LICENSE'), join(SUBSET_FONT_DIR, 'LICENSE'));
console.log(`subset fonts written to ${SUBSET_FONT_DIR}`);
