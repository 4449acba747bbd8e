import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAsync } from '@resvg/resvg-js';
import * as vega from 'vega';
import { CHART_FONT } from './waterfall-spec.js';

/** A vega spec and the text a screen reader needs: a short title and a plain-language description. */
export interface AccessibleChart {
  spec: vega.Spec;
  title: string;
  description: string;
}

const require = createRequire(import.meta.url);

export const FONT_NAMES: readonly string[] = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/**
 * The fonts the PNG is drawn with. They ship inside an npm package, and no system font is loaded, so the same
 * SVG gives the same pixels on every machine.
 */
export const FONT_FILES: readonly string[] = FONT_NAMES.map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));

/**
 * The same fonts cut down to the characters charts use (scripts/subset-fonts.ts writes them): loading a whole font
 * for every image costs several times the drawing itself. Text outside these ranges is drawn with the full fonts.
 */
export const SUBSET_FONT_DIR = fileURLToPath(new URL('../assets/fonts/', import.meta.url));
const SUBSET_FONT_FILES = FONT_NAMES.map((file) => join(SUBSET_FONT_DIR, file));

/** The code points the subset fonts keep: Latin-1, punctuation, arrows, and the minus sign vega writes numbers with. */
export const SUBSET_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e],
  [0xa0, 0xff],
  [0x2010, 0x205e],
  [0x2190, 0x21ff],
  [0x2212, 0x2212],
  [0x2248, 0x2248],
  [0x2260, 0x2260],
  [0x2264, 0x2265],
];

/** The subset fonts when they hold every character of the SVG, else the full ones. */
function fontFilesFor(svg: string): readonly string[] {
  for (const char of svg) {
    const code = char.codePointAt(0)!;
    if (code < 0x20) continue;
    if (!SUBSET_RANGES.some(([from, to]) => code >= from && code <= to)) return FONT_FILES;
  }
  return SUBSET_FONT_FILES;
}

/**
 * Renders a chart to SVG without a browser or canvas. The SVG opens with `<title>` and `<desc>`, which screen
 * readers announce: vega puts the spec's description on the page element around the chart, so an SVG rendered
 * without a page would carry none.
 */
export async function renderSvg(chart: AccessibleChart): Promise<string> {
  const view = new vega.View(vega.parse(chart.spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const open = svg.indexOf('>', svg.indexOf('<svg')) + 1;
    const accessible = `<title>${escapeXml(chart.title)}</title><desc>${escapeXml(chart.description)}</desc>`;
    return svg.slice(0, open) + accessible + svg.slice(open);
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG at its own size with the bundled fonts only, on a thread of libuv's pool: several images can be
 * drawn at once while the event loop goes on.
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  const image = await renderAsync(svg, {
    font: {
      fontFiles: [...fontFilesFor(svg)],
      loadSystemFonts: false,
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  });
  return image.asPng();
}

/** Renders a chart as SVG text or as a PNG image. */
export async function renderChart(chart: AccessibleChart, format: 'svg' | 'png'): Promise<string | Buffer> {
  const svg = await renderSvg(chart);
  return format === 'svg' ? svg : svgToPng(svg);
}

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => XML_ENTITIES[char]!);
}
