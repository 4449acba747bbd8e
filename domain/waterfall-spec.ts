import type { Spec } from 'vega';
import { formatLogOdds, formatPush } from './log-odds.js';
import { LABEL_VALUES } from './schema.js';
import type { Push, Waterfall } from './waterfall.js';

/** The family render.ts loads from the bundled font files; the spec asks for nothing else. */
export const CHART_FONT = 'DejaVu Sans';

/** The colours of a push: red toward the positive outcome, blue toward the negative, both readable on white. */
export const PUSH_COLORS: Record<Push, string> = { positive: '#c8102e', negative: '#1f5fb4', none: '#595959' };

const WIDTH = 800;
const MIN_HEIGHT = 400;
const MIN_ROW_HEIGHT = 30;
const FONT_SIZE = 13;
const MARGIN = { top: 80, right: 24, bottom: 56 };
/** The average advance of DejaVu Sans, in ems, enough to size the label column without measuring text. */
const EM_PER_CHAR = 0.57;
/** Room kept free beside the outermost bar for its value label or marker text, in pixels. */
const LABEL_ROOM = 128;

const START_LABEL = 'Average of all records';
const END_LABEL = 'This record';
const GRAY = '#595959';
/** The baselines of the two heading lines, above the plot. */
const LINE_Y = [-50, -26] as const;

/**
 * The vega spec of a waterfall: one row for E[f(x)], one per bar, one for f(x), each bar starting where the
 * one above it ends.
 * The size is fixed (800 pixels wide, 400 high or more for many bars) so every render of a record is identical.
 */
export function waterfallSpec(waterfall: Waterfall): Spec {
  const rows = [START_LABEL, ...waterfall.bars.map((bar) => bar.label), END_LABEL];
  const left = labelColumnWidth(rows);
  const width = WIDTH - left - MARGIN.right;
  const height = Math.max(MIN_HEIGHT - MARGIN.top - MARGIN.bottom, rows.length * MIN_ROW_HEIGHT);
  const [lo, hi] = xDomain(waterfall, width);
  const middle = (lo + hi) / 2;

  const marker = (row: string, value: number, text: string, edge: 'top' | 'bottom') => ({
    row,
    // The dashed line runs from the marker to the edge of the plot, crossing no bar and no label.
    edge,
    value,
    text,
    // The text goes toward the middle of the plot, where there is room for it.
    align: value > middle ? 'right' : 'left',
    dx: value > middle ? -12 : 12,
  });
  const markers = [
    marker(START_LABEL, waterfall.expectedValue, `E[f(x)] = ${formatLogOdds(waterfall.expectedValue)}`, 'top'),
    marker(END_LABEL, waterfall.prediction, `f(x) = ${formatLogOdds(waterfall.prediction)}`, 'bottom'),
  ];
  const bars = waterfall.bars.map((bar) => ({
    row: bar.label,
    start: bar.start,
    end: bar.end,
    text: formatPush(bar.shap),
    color: PUSH_COLORS[bar.push],
    align: bar.shap < 0 ? 'right' : 'left',
    dx: bar.shap < 0 ? -6 : 6,
  }));
  // Each connector carries the running total from one row down to the next.
  const steps = rows.slice(0, -1).map((row, i) => ({
    from: row,
    to: rows[i + 1]!,
    value: i === 0 ? waterfall.expectedValue : waterfall.bars[i - 1]!.end,
  }));

  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    description: waterfall.description,
    width,
    height,
    padding: { left, top: MARGIN.top, right: MARGIN.right, bottom: MARGIN.bottom },
    autosize: { type: 'none' },
    background: 'white',
    config: {
      text: { font: CHART_FONT, fontSize: FONT_SIZE },
      axis: { labelFont: CHART_FONT, titleFont: CHART_FONT, labelColor: '#222222', titleColor: '#222222' },
    },
    data: [
      { name: 'bars', values: bars },
      { name: 'markers', values: markers },
      { name: 'steps', values: steps },
      { name: 'heading', values: heading(waterfall, left) },
      { name: 'legend', values: legend() },
    ],
    scales: [
      { name: 'x', type: 'linear', domain: [lo, hi], range: 'width', zero: false, nice: false },
      { name: 'y', type: 'band', domain: rows, range: 'height', paddingInner: 0.3, paddingOuter: 0.15 },
    ],
    axes: [
      {
        orient: 'bottom',
        scale: 'x',
        title: 'Model output in log-odds (0 = probability 0.5)',
        titleFontSize: FONT_SIZE,
        titleFontWeight: 'normal',
        titlePadding: 8,
        labelFontSize: FONT_SIZE - 1,
        grid: true,
        gridColor: '#e6e6e6',
        tickCount: 8,
        zindex: 0,
      },
      {
        orient: 'left',
        scale: 'y',
        labelFontSize: FONT_SIZE,
        labelLimit: 0,
        labelPadding: 10,
        ticks: false,
        domain: false,
      },
    ],
    marks: [
      {
        type: 'rule',
        from: { data: 'markers' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'value' },
            y: { scale: 'y', field: 'row', band: 0.5 },
            y2: { signal: "datum.edge === 'top' ? 0 : height" },
            stroke: { value: GRAY },
            strokeDash: { value: [4, 4] },
          },
        },
      },
      {
        type: 'rule',
        from: { data: 'steps' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'value' },
            y: { scale: 'y', field: 'from', band: 0.5 },
            y2: { scale: 'y', field: 'to', band: 0.5 },
            stroke: { value: '#9a9a9a' },
          },
        },
      },
      {
        type: 'rect',
        from: { data: 'bars' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'start' },
            x2: { scale: 'x', field: 'end' },
            y: { scale: 'y', field: 'row' },
            height: { scale: 'y', band: 1 },
            fill: { field: 'color' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'bars' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'end' },
            dx: { field: 'dx' },
            y: { scale: 'y', field: 'row', band: 0.5 },
            text: { field: 'text' },
            align: { field: 'align' },
            baseline: { value: 'middle' },
            fill: { field: 'color' },
            fontWeight: { value: 'bold' },
          },
        },
      },
      {
        type: 'symbol',
        from: { data: 'markers' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'value' },
            y: { scale: 'y', field: 'row', band: 0.5 },
            shape: { value: 'diamond' },
            size: { value: 120 },
            fill: { value: '#222222' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'markers' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'value' },
            dx: { field: 'dx' },
            y: { scale: 'y', field: 'row', band: 0.5 },
            text: { field: 'text' },
            align: { field: 'align' },
            baseline: { value: 'middle' },
            fill: { value: '#222222' },
            fontWeight: { value: 'bold' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'heading' },
        encode: {
          enter: {
            x: { field: 'x' },
            y: { field: 'y' },
            text: { field: 'text' },
            fontSize: { field: 'fontSize' },
            fontWeight: { field: 'fontWeight' },
            fill: { value: '#111111' },
          },
        },
      },
      ...legendMarks(),
    ],
  };
}

/** Wide enough for the longest row label, so none is cut; bars get the rest of the 800 pixels. */
function labelColumnWidth(rows: string[]): number {
  const longest = Math.max(...rows.map((row) => row.length));
  return Math.min(360, Math.max(150, Math.ceil(longest * FONT_SIZE * EM_PER_CHAR) + 24));
}

/** Every point of the waterfall, widened on both sides so the labels beside the outermost bars fit. */
function xDomain(waterfall: Waterfall, width: number): [number, number] {
  const points = [waterfall.expectedValue, ...waterfall.bars.map((bar) => bar.end)];
  const lo = Math.min(...points);
  const hi = Math.max(...points);
  const span = Math.max(hi - lo, 0.5);
  const pad = (span * LABEL_ROOM) / (width - 2 * LABEL_ROOM);
  return [lo - pad, hi + pad];
}

/**
 * The title and subtitle, top left. They are text marks rather than a vega title, whose place would depend on
 * the bounds of everything else drawn above the plot.
 */
function heading(waterfall: Waterfall, left: number): object[] {
  const x = 16 - left;
  return [
    { text: waterfall.title, x, y: LINE_Y[0], fontSize: FONT_SIZE + 4, fontWeight: 'bold' },
    { text: waterfall.subtitle, x, y: LINE_Y[1], fontSize: FONT_SIZE + 1, fontWeight: 'normal' },
  ];
}

/** The key, top right: what red and blue mean, each swatch at the right edge and its text before it. */
function legend(): { text: string; color: string; line: number }[] {
  return [
    { text: `pushes toward ${LABEL_VALUES.positive}`, color: PUSH_COLORS.positive, line: 0 },
    { text: `pushes toward ${LABEL_VALUES.negative}`, color: PUSH_COLORS.negative, line: 1 },
  ];
}

function legendMarks(): NonNullable<Spec['marks']> {
  const y = { signal: `datum.line === 0 ? ${LINE_Y[0] - 5} : ${LINE_Y[1] - 5}` };
  return [
    {
      type: 'rect',
      from: { data: 'legend' },
      encode: {
        enter: {
          x: { signal: 'width - 14' },
          width: { value: 14 },
          yc: y,
          height: { value: 14 },
          fill: { field: 'color' },
        },
      },
    },
    {
      type: 'text',
      from: { data: 'legend' },
      encode: {
        enter: {
          x: { signal: 'width - 20' },
          y,
          text: { field: 'text' },
          align: { value: 'right' },
          baseline: { value: 'middle' },
          fill: { value: '#222222' },
        },
      },
    },
  ];
}
