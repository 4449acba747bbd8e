/** The waterfall plots reviewers look at, drawn into the object store beside the batch they explain. */
import { heartbeat } from '@temporalio/activity';
import { InputError } from '../../domain/errors.js';
import { row } from '../../domain/matrix.js';
import { renderSvg, svgToPng } from '../../domain/render.js';
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
      const folder = `${batchFolder(batch)}/plots`;
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
        const svg = await renderSvg(chart);
        const plotSvgKey = `${folder}/${record.rowId}.svg`;
        const plotPngKey = `${folder}/${record.rowId}.png`;
        await store.put(plotSvgKey, svg);
        await store.put(plotPngKey, svgToPng(svg));
        drawn.push({ ...record, plotPngKey, plotSvgKey, plotDescription: chart.description });
        heartbeat({ plotted: drawn.length, records: records.length });
      }
      return drawn;
    },
  };
}

function shapInSchemaOrder(record: ReviewRecord): number[] {
  const byName = new Map(record.features.map((feature) => [feature.feature, feature.shap]));
  return FEATURE_NAMES.map((name) => {
    const shap = byName.get(name);
    if (shap === undefined) throw new InputError(`record ${record.rowId} has no SHAP value for ${name}`);
    return shap;
  });
}
