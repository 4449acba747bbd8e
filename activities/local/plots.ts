/**
 * The waterfall plots reviewers look at, drawn into the object store beside the batch they explain. A cycle writes
 * each plot as SVG, which takes a few milliseconds; its PNG, several times dearer, is drawn from the SVG when it is
 * first asked for and kept beside it.
 */
import { heartbeat } from '@temporalio/activity';
import { InputError } from '../../domain/errors.js';
import { row } from '../../domain/matrix.js';
import { renderSvg, svgToPng } from '../../domain/render.js';
import { getText, ObjectNotFoundError, type ObjectStore } from '../../lib/object-store.js';
import { FEATURE_NAMES } from '../../domain/schema.js';
import { waterfallChart } from '../../domain/waterfall.js';
import type { ReviewRecord } from '../../workflows/review-types.js';
import type { ReviewActivities } from '../interfaces.js';
import { batchFolder, readBatchFeatures } from './batch-objects.js';
import type { LocalContext } from './context.js';

export function createPlotActivities(context: LocalContext): Pick<ReviewActivities, 'renderPlots'> {
  const { store } = context;
  return {
    async renderPlots({ batch, records, topK }) {
      const features = await readBatchFeatures(store, batch);
      const drawn: ReviewRecord[] = [];
      for (const record of records) {
        if (!(record.rowNumber >= 0 && record.rowNumber < features.rows)) {
          throw new InputError(`record ${record.rowId} has no row ${record.rowNumber} in ${batch.inputKey}`);
        }
        const chart = waterfallChart(
          {
            shap: shapInSchemaOrder(record),
            expectedValue: record.expectedValue,
            features: row(features, record.rowNumber),
          },
          { topK, recordId: record.rowId },
        );
        const keys = plotKeys(batchFolder(batch), record.rowId);
        await store.put(keys.plotSvgKey, await renderSvg(chart));
        drawn.push({ ...record, ...keys, plotDescription: chart.description });
        heartbeat({ plotted: drawn.length, records: records.length });
      }
      return drawn;
    },
  };
}

/** Where a record's plot is kept, as SVG and as PNG, in the folder of its batch. */
export function plotKeys(batchFolder: string, rowId: string): PlotKeys {
  const plot = `${batchFolder}/plots/${rowId}`;
  return { plotSvgKey: `${plot}.svg`, plotPngKey: `${plot}.png` };
}

export interface PlotKeys {
  plotSvgKey: string;
  plotPngKey: string;
}

/**
 * The PNG of a record's plot: the stored one, or else drawn from its SVG and stored. Throws ObjectNotFoundError when
 * the record has no plot.
 */
export async function plotPng(store: ObjectStore, plot: PlotKeys): Promise<Uint8Array> {
  try {
    return await store.get(plot.plotPngKey);
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
  }
  const png = await svgToPng(await getText(store, plot.plotSvgKey));
  await store.put(plot.plotPngKey, png);
  return png;
}

function shapInSchemaOrder(record: ReviewRecord): number[] {
  const byName = new Map(record.features.map((feature) => [feature.feature, feature.shap]));
  return FEATURE_NAMES.map((name) => {
    const shap = byName.get(name);
    if (shap === undefined) throw new InputError(`record ${record.rowId} has no SHAP value for ${name}`);
    return shap;
  });
}
