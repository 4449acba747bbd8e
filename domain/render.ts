import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { CHART_FONT } from './waterfall-spec.js';

/** A vega spec and the text a screen reader needs: a short title and a plain-language description. */
export interface AccessibleChart {
  spec: vega.Spec;
  title: string;
  description: string;
}

const require = createRequire(import.meta.url);

/**
 * The fonts the PNG is drawn with. They ship inside an npm package, and no system font is loaded, so the same
 * SVG gives the same pixels on every machine.
 */
export const FONT_FILES: readonly string[] = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) =>
  require.resolve(`dejavu-fonts-ttf/ttf/${file}`),
);

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

/** Rasterises an SVG at its own size with the bundled fonts only. */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: {
      fontFiles: [...FONT_FILES],
      loadSystemFonts: false,
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  });
  return resvg.render().asPng();
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
