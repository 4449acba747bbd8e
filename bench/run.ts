import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchCycleOverhead, benchOpenTasks, benchStreamThroughput } from './cycle.js';
import { benchFanOutMemory } from './fan-out-memory.js';
import { ROOT } from './fixtures.js';
import { benchKernelShap } from './kernel-shap.js';
import { benchScoring } from './scoring.js';
import { benchTreeShap } from './tree-shap.js';

type BenchResult = Record<string, string | number | boolean>;

/** Every benchmark, by name; `npm run bench -- NAME ...` runs only those named. */
const benchmarks: Record<string, () => Promise<BenchResult>> = {
  scoring: benchScoring,
  'tree-shap': benchTreeShap,
  'kernel-shap': benchKernelShap,
  'cycle-overhead': benchCycleOverhead,
  'stream-throughput': benchStreamThroughput,
  'open-tasks': benchOpenTasks,
  'fan-out-memory': benchFanOutMemory,
};

function format(value: string | number | boolean): string {
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100
    ? value.toFixed(0)
    : Math.abs(value) >= 0.01
      ? value.toFixed(3)
      : value.toExponential(2);
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const [name, bench] of Object.entries(benchmarks)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const result = await bench();
  results.push(result);
  console.log(`\n${name}`);
  for (const [key, value] of Object.entries(result))
    if (key !== 'name') console.log(`  ${key.padEnd(34)} ${format(value)}`);
}

const dir = join(ROOT, 'bench/results');
await mkdir(dir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = join(dir, `${stamp}.json`);
await writeFile(
  file,
  JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + '\n',
);
console.log(`\nresults written to ${file}`);
