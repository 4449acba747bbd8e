import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { InputError } from '../domain/errors.js';
import { renderAsync } from '@resvg/resvg-js';
import { FONT_FILES, renderSvg, svgToPng } from '../domain/render.js';
import { buildWaterfall, waterfallChart, waterfallDescription, type WaterfallInput } from '../domain/waterfall.js';
import { CHART_FONT, PUSH_COLORS } from '../domain/waterfall-spec.js';

// SHAP values are multiples of 1/128, so every sum is exact whatever the order it is taken in.
const record: WaterfallInput = {
  // age, workclass, fnlwgt, education, education-num, marital-status, occupation, relationship, race, sex,
  // capital-gain, capital-loss, hours-per-week, native-country
  features: [39, 6, 77516, 9, 13, 2, 0, 0, 4, 1, 2174, 0, 40, 38],
  shap: [
    0.25, -0.0625, 0.015625, 0.375, 0.5, 1.125, -0.1875, 0.875, 0.03125, 0.0625, -1.5, -0.046875, -0.125, 0.0078125,
  ],
  expectedValue: -1.25,
};
const sum = (values: ArrayLike<number>): number => Array.from(values).reduce((total, value) => total + value, 0);

describe('waterfall data', () => {
  const waterfall = buildWaterfall(record);

  it('gives the top 3 features by |SHAP| a bar each, largest first, with decoded values', () => {
    assert.deepEqual(
      waterfall.bars.map((bar) => bar.label),
      ['capital-gain = 2174', 'marital-status = Married-civ-spouse', 'relationship = Husband', '11 other features'],
    );
    assert.deepEqual(
      waterfall.bars.map((bar) => bar.shap),
      [-1.5, 1.125, 0.875, sum(record.shap) - (-1.5 + 1.125 + 0.875)],
    );
  });

  it('puts the rest in one bar whose value is their exact sum', () => {
    const rest = waterfall.bars[3]!;
    assert.equal(rest.kind, 'rest');
    assert.deepEqual(rest.features, [0, 1, 2, 3, 4, 6, 8, 9, 11, 12, 13]);
    assert.equal(rest.shap, sum(rest.features.map((index) => record.shap[index]!)));
  });

  it('runs from E[f(x)] to f(x), each bar starting where the one before ends', () => {
    assert.equal(waterfall.bars[0]!.start, record.expectedValue);
    for (let i = 1; i < waterfall.bars.length; i++) assert.equal(waterfall.bars[i]!.start, waterfall.bars[i - 1]!.end);
    for (const bar of waterfall.bars) assert.equal(bar.end, bar.start + bar.shap);
    assert.equal(waterfall.prediction, record.expectedValue + sum(record.shap));
    assert.equal(waterfall.bars.at(-1)!.end, waterfall.prediction);
    assert.equal(waterfall.probability, 1 / (1 + Math.exp(-waterfall.prediction)));
  });

  it('colours pushes toward >50K red and toward <=50K blue', () => {
    assert.deepEqual(
      waterfall.bars.map((bar) => bar.push),
      ['negative', 'positive', 'positive', 'positive'],
    );
    const spec = waterfallChart(record).spec;
    const bars = spec.data!.find((data) => data.name === 'bars') as { values: { row: string; color: string }[] };
    assert.deepEqual(
      bars.values.map((bar) => bar.color),
      [PUSH_COLORS.negative, PUSH_COLORS.positive, PUSH_COLORS.positive, PUSH_COLORS.positive],
    );
  });

  it('shows the probability and says in words what pushed the prediction', () => {
    assert.equal(waterfall.subtitle, 'f(x) = 0.07 (probability 0.52 of >50K)');
    assert.equal(
      waterfallDescription(record),
      'Predicted probability 0.52 of income >50K: f(x) = 0.07 log-odds, against an average E[f(x)] of -1.25. ' +
        'Largest push toward <=50K: capital-gain = 2174 (-1.50). ' +
        'Next: marital-status = Married-civ-spouse (+1.13, toward >50K); relationship = Husband (+0.88, toward >50K). ' +
        'The 11 other features together: +0.82, toward >50K.',
    );
  });

  it('counts the rest from K, gives every feature a bar when K covers them all, and breaks ties by schema order', () => {
    assert.equal(buildWaterfall(record, { topK: 1 }).bars.at(-1)!.label, '13 other features');
    assert.equal(buildWaterfall(record, { topK: 13 }).bars.at(-1)!.label, '1 other feature');
    const all = buildWaterfall(record, { topK: 20 });
    assert.equal(all.bars.length, 14);
    assert.ok(all.bars.every((bar) => bar.kind === 'feature'));
    assert.equal(all.bars.at(-1)!.end, all.prediction);

    const tied = buildWaterfall({ ...record, shap: Array.from(record.shap, () => 0.5) }, { topK: 2 });
    assert.deepEqual(
      tied.bars.map((bar) => bar.features),
      [[0], [1], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]],
    );
  });

  it('shows a missing value as ?', () => {
    const features = Array.from(record.features);
    features[10] = Number.NaN;
    assert.equal(buildWaterfall({ ...record, features }).bars[0]!.label, 'capital-gain = ?');
  });
});

describe('waterfall input checks', () => {
  const rejects = (input: Partial<WaterfallInput>, options: { topK?: number }, field: string, text: RegExp) =>
    assert.throws(
      () => buildWaterfall({ ...record, ...input }, options),
      (error: unknown) => error instanceof InputError && error.field === field && text.test(error.message),
    );

  it('names the field of a wrong length, a non-finite value, a bad code or a bad K', () => {
    rejects({ shap: Array.from(record.shap).slice(0, 13) }, {}, 'shap', /expected 14 values, found 13/);
    rejects({ features: [...Array.from(record.features), 1] }, {}, 'features', /expected 14 values, found 15/);
    rejects({ shap: Array.from(record.shap, (v, i) => (i === 4 ? Number.NaN : v)) }, {}, 'shap[4]', /education-num/);
    rejects({ features: Array.from(record.features, (v, i) => (i === 0 ? Infinity : v)) }, {}, 'features[0]', /age/);
    rejects({ features: Array.from(record.features, (v, i) => (i === 7 ? 9 : v)) }, {}, 'features[7]', /code 9/);
    rejects({ expectedValue: Number.NaN }, {}, 'expectedValue', /NaN/);
    rejects({}, { topK: 0 }, 'topK', /at least 1/);
    rejects({}, { topK: 2.5 }, 'topK', /whole number/);
  });
});

describe('waterfall rendering', () => {
  it('writes an SVG with a title, a plain-language description and every label', async () => {
    const chart = waterfallChart(record, { recordId: 42 });
    const svg = await renderSvg(chart);

    assert.match(
      svg,
      /^<svg[^>]*><title>What drove the prediction for record 42<\/title><desc>Predicted probability 0\.52/,
    );
    assert.ok(svg.includes('Largest push toward &lt;=50K: capital-gain = 2174 (-1.50).'));
    for (const text of [
      'relationship = Husband',
      '11 other features',
      '+0.88',
      '-1.50',
      'E[f(x)] = -1.25',
      'f(x) = 0.07',
    ]) {
      assert.ok(svg.includes(`>${text}</text>`), `the SVG shows ${text}`);
    }
    assert.ok(svg.includes('Model output in log-odds'));
    assert.ok(svg.includes(`fill="${PUSH_COLORS.positive}"`) && svg.includes(`fill="${PUSH_COLORS.negative}"`));
  });

  it('shows a missing value as ? in the picture', async () => {
    const features = Array.from(record.features);
    features[5] = Number.NaN;
    const svg = await renderSvg(waterfallChart({ ...record, features }));
    assert.ok(svg.includes('>marital-status = ?</text>'));
  });

  it('draws an 800x400 PNG with red and blue bars and text in the bundled font', async () => {
    const png = decodePng(await svgToPng(await renderSvg(waterfallChart(record))));
    assert.equal(png.width, 800);
    assert.equal(png.height, 400);

    const count = (test: (r: number, g: number, b: number, x: number) => boolean): number => {
      let n = 0;
      for (let i = 0; i < png.pixels.length; i += 4) {
        if (test(png.pixels[i]!, png.pixels[i + 1]!, png.pixels[i + 2]!, (i / 4) % png.width)) n++;
      }
      return n;
    };
    const near = (hex: string) => {
      const [r0, g0, b0] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
      return (r: number, g: number, b: number) => Math.abs(r - r0!) + Math.abs(g - g0!) + Math.abs(b - b0!) < 12;
    };
    assert.ok(count(near(PUSH_COLORS.positive)) > 2000, 'red bars are drawn');
    assert.ok(count(near(PUSH_COLORS.negative)) > 2000, 'a blue bar is drawn');
    // Dark pixels left of the plot can only be the row labels: without the font, no text is drawn at all.
    assert.ok(count((r, g, b, x) => x < 200 && r + g + b < 200) > 500, 'row labels are drawn');
  });

  it('draws with the cut-down fonts exactly what the full fonts draw', async () => {
    const svg = await renderSvg(waterfallChart(record));
    const full = await renderAsync(svg, {
      font: { fontFiles: [...FONT_FILES], loadSystemFonts: false, defaultFontFamily: CHART_FONT },
    });
    assert.ok((await svgToPng(svg)).equals(full.asPng()));
  });

  it('draws characters the cut-down fonts lack with the full fonts', async () => {
    const darkPixels = async (title: string) => {
      const png = decodePng(await svgToPng(await renderSvg(waterfallChart(record, { title }))));
      let dark = 0;
      for (let i = 0; i < png.pixels.length; i += 4) if (png.pixels[i]! + png.pixels[i + 1]! < 200) dark++;
      return dark;
    };
    // Greek capitals are outside the cut-down fonts: drawn with those, the title would stay blank.
    assert.ok((await darkPixels('ΩΨΦΩΨΦ')) > (await darkPixels('      ')) + 100);
  });

  it('renders the same record to the same bytes every time', async () => {
    const first = await svgToPng(await renderSvg(waterfallChart(record)));
    const second = await svgToPng(await renderSvg(waterfallChart(record)));
    assert.ok(first.equals(second));
  });
});

/** Just enough of PNG to check what resvg writes: 8-bit RGBA, not interlaced. */
function decodePng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])), 'PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  assert.deepEqual([...png.subarray(24, 29)], [8, 6, 0, 0, 0], '8-bit RGBA, not interlaced');

  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, height * (stride + 1));

  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      pixels[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}
