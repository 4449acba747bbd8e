import type { BatchPanel } from '../batch-panel.js';
import { html } from '../html.js';
import { formatProbability, formatShap, shapClass } from './format.js';

/** The batch panel: the global SHAP ranking, then each reviewed record's top features side by side. */
export function batchPanelView(panel: BatchPanel) {
  const largest = Math.max(...panel.ranking.map((feature) => Math.abs(feature.value)), Number.MIN_VALUE);
  return html`<section class="batch-panel" aria-labelledby="batch-heading">
    <h2 id="batch-heading">Batch ${panel.batchId} at a glance</h2>
    <div class="panel-grid">
      <div>
        <h3 id="ranking-heading">Global SHAP ranking</h3>
        ${
          panel.ranking.length === 0
            ? html`<p>The batch's explanation summary is not available.</p>`
            : html`<table class="ranking" aria-labelledby="ranking-heading">
                <thead>
                  <tr>
                    <th scope="col">Rank</th>
                    <th scope="col">Feature</th>
                    <th scope="col">Mean |SHAP|</th>
                  </tr>
                </thead>
                <tbody>
                  ${panel.ranking.map(
                    (feature, index) =>
                      html`<tr>
                        <td>${index + 1}</td>
                        <th scope="row">${feature.feature}</th>
                        <td>
                          <meter min="0" max="${largest}" value="${Math.abs(feature.value)}" aria-hidden="true"></meter>
                          ${Math.abs(feature.value).toFixed(3)}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </div>
      <div>
        <h3 id="records-heading">Top features of each reviewed record</h3>
        <table class="compare" aria-labelledby="records-heading">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Outcome</th>
              <th scope="col">Probability</th>
              <th scope="col">1st feature</th>
              <th scope="col">2nd feature</th>
              <th scope="col">3rd feature</th>
            </tr>
          </thead>
          <tbody>
            ${panel.records.map(
              (record) => html`<tr${record.inThisTask ? html` class="this-task"` : ''}>
                <th scope="row">${record.rowNumber}${record.inThisTask ? html` <span class="tag">this task</span>` : ''}</th>
                <td>${record.predictedOutcome}</td>
                <td>${formatProbability(record.probability)}</td>
                ${record.top.map(
                  (feature) =>
                    html`<td>
                      ${feature.feature} = ${feature.value}
                      <span class="${shapClass(feature.shap)}">(${formatShap(feature.shap)})</span>
                    </td>`,
                )}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </div>
  </section>`;
}
