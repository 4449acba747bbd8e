import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { plotCommand } from '../cli/plot.js';
import { InputError } from '../domain/errors.js';
import { FEATURE_NAMES } from '../domain/schema.js';

// Explanations laid out as Clarify writes them, for three encoded records; the second has an unknown occupation.
const SHAP_ROWS = [
  '-0.81,0.05,0.02,-0.1,-0.45,-0.9,-0.2,-1.3,0.01,0.03,-0.22,-0.03,-0.35,0.02',
  '0.62,0.18,-0.04,0.31,0.77,1.12,-2.45,0.95,0.03,0.05,2.41,-0.02,0.38,-0.92',
  '0.21,-0.03,0.01,0.12,0.28,-0.55,0.64,-0.18,-0.09,-0.31,-0.12,1.15,0.14,0.0',
];
const INPUT_ROWS = [
  '23,3,201490,11,9,4,11,3,4,1,0,0,20,38',
  '52,4,287927,9,13,2,,0,4,1,15024,0,60,27',
  '38,3,89814,15,10,0,3,1,2,0,0,1902,45,38',
];

describe('review-cycle plot', () => {
  let dir: string;
  let explanations: string;
  let input: string;
  const plot = (row: string, out: string, ...extra: string[]) =>
    plotCommand.run([
      '--explanations',
      explanations,
      '--input',
      input,
      '--row',
      row,
      '--out',
      join(dir, out),
      ...extra,
    ]);
  const rejects = (promise: Promise<void>, text: RegExp) =>
    assert.rejects(promise, (error: unknown) => error instanceof InputError && text.test(error.message));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plot-test-'));
    explanations = join(dir, 'explanations');
    mkdirSync(join(explanations, 'explanations_shap'), { recursive: true });
    writeFileSync(
      join(explanations, 'explanations_shap', 'out.csv'),
      [FEATURE_NAMES.join(','), ...SHAP_ROWS, ''].join('\n'),
    );
    const analysis = { explanations: { kernel_shap: { label0: { expected_value: -1.38, global_shap_values: {} } } } };
    writeFileSync(join(explanations, 'analysis.json'), JSON.stringify(analysis));
    input = join(dir, 'input.csv');
    writeFileSync(input, INPUT_ROWS.join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('draws the record at a 0-based row index, with its own values and E[f(x)] from analysis.json', async () => {
    await plot('1', 'row1.svg');
    const svg = readFileSync(join(dir, 'row1.svg'), 'utf8');
    assert.ok(svg.includes('<title>What drove the prediction for row 1 of input.csv</title>'));
    for (const text of [
      'occupation = ?',
      'capital-gain = 15024',
      'E[f(x)] = -1.38',
      'f(x) = 2.01',
      '11 other features',
    ]) {
      assert.ok(svg.includes(`>${text}</text>`), `the SVG shows ${text}`);
    }
  });

  it('writes a PNG, and takes K from --top', async () => {
    await plot('0', 'row0.png', '--top', '5');
    const png = readFileSync(join(dir, 'row0.png'));
    assert.equal(png.toString('latin1', 1, 4), 'PNG');
    await plot('0', 'row0.svg', '--top', '5');
    assert.ok(readFileSync(join(dir, 'row0.svg'), 'utf8').includes('>9 other features</text>'));
  });

  it('names the bad input and leaves no file behind', async () => {
    const before = readdirSync(dir).length;
    await rejects(plot('3', 'bad.svg'), /--row: row 3 is out of range: there are 3 rows, numbered 0 to 2/);
    await rejects(plot('x', 'bad.svg'), /--row: 'x' is not a whole number/);
    await rejects(plot('0', 'bad.jpg'), /--out: .* is neither \.svg nor \.png/);
    await rejects(plot('0', 'bad.svg', '--top', '0'), /--top: '0' is not a whole number from 1 up/);
    await rejects(
      plotCommand.run(['--explanations', dir, '--input', input, '--row', '0', '--out', join(dir, 'bad.svg')]),
      /explanations_shap.out\.csv: no such file/,
    );
    assert.equal(readdirSync(dir).length, before);
  });

  it('rejects explanations that do not fit the schema or the input', async () => {
    const shapFile = join(explanations, 'explanations_shap', 'out.csv');
    const analysisFile = join(explanations, 'analysis.json');
    const good = { shap: readFileSync(shapFile, 'utf8'), analysis: readFileSync(analysisFile, 'utf8') };
    try {
      writeFileSync(
        shapFile,
        [FEATURE_NAMES.slice(1).join(','), ...SHAP_ROWS.map((r) => r.slice(r.indexOf(',') + 1))].join('\n'),
      );
      await rejects(plot('0', 'bad.svg'), /out\.csv, row 1: the header lacks age/);

      writeFileSync(shapFile, [FEATURE_NAMES.join(','), SHAP_ROWS[0], '1,2,3', SHAP_ROWS[2]].join('\n'));
      await rejects(plot('1', 'bad.svg'), /out\.csv, row 3: expected 14 values, found 3/);

      writeFileSync(shapFile, [FEATURE_NAMES.join(','), ...SHAP_ROWS.slice(0, 2)].join('\n'));
      await rejects(plot('0', 'bad.svg'), /has 2 rows of SHAP values but the input has 3 rows/);

      writeFileSync(shapFile, good.shap);
      writeFileSync(analysisFile, '{"explanations": {}}');
      await rejects(plot('0', 'bad.svg'), /analysis\.json, field explanations\.kernel_shap\.label0\.expected_value/);
      writeFileSync(analysisFile, '{');
      await rejects(plot('0', 'bad.svg'), /analysis\.json: is not valid JSON/);
    } finally {
      writeFileSync(shapFile, good.shap);
      writeFileSync(analysisFile, good.analysis);
    }
  });
});
