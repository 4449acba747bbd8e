import type { RecordDecision, ReviewRecord } from '../../workflows/review-types.js';
import { html } from '../html.js';
import { fieldLabels, maxReasonLength, reasonField, verdictField, verdictOptions } from '../../workflows/review-fields.js';
import { formatProbability, formatShap, shapClass, formatTime, selectionReason } from './format.js';

/** One record of a task page. */
export interface RecordModel {
  taskId: string;
  record: ReviewRecord & { decision: RecordDecision };
  position: number;
  count: number;
  /** Whether the task still takes verdicts. */
  open: boolean;
  /** The verdict and reason the reviewer had entered, shown again after a refusal. */
  entered: { verdict?: string; reason?: string };
  error?: string;
}

/** A record as a fieldset: what the model said and why, its features, and the verdict fields or the decision. */
export function recordFieldset(model: RecordModel) {
  const { record, position, count } = model;
  const id = domId(record.rowId);
  const plotUrl = `/tasks/${encodeURIComponent(model.taskId)}/records/${encodeURIComponent(record.rowId)}/plot.png`;
  const description = record.plotDescription ?? 'No description of the plot is available.';
  const pending = record.decision.status === 'PENDING';

  return html`<fieldset class="record${model.error === undefined ? '' : ' has-error'}" id="record-${id}">
    <legend>Record ${position} of ${count}: row ${record.rowNumber}</legend>
    <dl class="facts">
      <div>
        <dt>Predicted outcome</dt>
        <dd class="outcome">${record.predictedOutcome}</dd>
      </div>
      <div>
        <dt>Probability of &gt;50K</dt>
        <dd>${formatProbability(record.probability)}</dd>
      </div>
      <div>
        <dt>Sent to review as</dt>
        <dd>${selectionReason(record.reason)}</dd>
      </div>
      <div>
        <dt>Row id</dt>
        <dd><code>${record.rowId}</code></dd>
      </div>
    </dl>
    <div class="explanation">
      <figure class="plot">
        ${
          record.plotPngKey === undefined
            ? html`<p>No plot was drawn for this record.</p>`
            : html`<img src="${plotUrl}" alt="${description}" width="800" />`
        }
        <figcaption aria-hidden="true">${description}</figcaption>
      </figure>
      <table class="features">
        <caption>
          Feature values of row ${record.rowNumber}
        </caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col">Value</th>
            <th scope="col">SHAP (log-odds)</th>
          </tr>
        </thead>
        <tbody>
          ${record.features.map(
            (feature) =>
              html`<tr>
                <th scope="row">${feature.feature}</th>
                <td>${feature.value}</td>
                <td class="${shapClass(feature.shap)}">${formatShap(feature.shap)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${pending && model.open ? verdictFields(model, id) : html`${decision(record.decision)}${recordError(model, id)}`}
  </fieldset>`;
}

function verdictFields(model: RecordModel, id: string) {
  const { rowId } = model.record;
  const errorId = `error-${id}`;
  const hintId = `hint-${id}`;
  return html`<div class="verdict" data-record="${id}">
    <fieldset class="choices">
      <legend>${fieldLabels.verdict} on row ${model.record.rowNumber}</legend>
      ${verdictOptions.map(
        (option) =>
          html`<label class="choice">
            <input
              type="radio"
              name="${verdictField(rowId)}"
              value="${option.value}"
              ${model.entered.verdict === option.value ? 'checked' : ''}
              aria-describedby="${errorId}"
            />
            ${option.label}
          </label>`,
      )}
    </fieldset>
    <label for="reason-${id}">${fieldLabels.reason} on row ${model.record.rowNumber}</label>
    <p class="hint" id="${hintId}">${fieldLabels.reasonHint}</p>
    <textarea
      id="reason-${id}"
      name="${reasonField(rowId)}"
      rows="3"
      maxlength="${maxReasonLength}"
      aria-describedby="${hintId} ${errorId}"
      ${model.error === undefined ? '' : html` aria-invalid="true"`}
    >
${model.entered.reason ?? ''}</textarea>
    ${recordError(model, id)}
  </div>`;
}

/** The record's error line; kept, empty and hidden, when there is none, so the page's script can fill it. */
function recordError(model: RecordModel, id: string) {
  return html`<p class="field-error" id="error-${id}" role="alert" ${model.error === undefined ? html` hidden` : ''}>
    ${model.error ?? ''}
  </p>`;
}

function decision(decision: RecordDecision) {
  const words: Record<RecordDecision['status'], string> = {
    PENDING: 'No verdict yet; the task no longer takes verdicts.',
    AGREED: 'Agreed with the model',
    DISAGREED: 'Disagreed with the model',
    EXPIRED: 'Expired without a verdict',
    CANCELLED: 'Cancelled without a verdict',
  };
  return html`<div class="decision status-${decision.status.toLowerCase()}">
    <p>
      <strong>${words[decision.status]}</strong
      >${decision.reviewerId === undefined ? '' : html` by ${decision.reviewerId}`}${
        decision.decidedAt === undefined
          ? ''
          : html` at <time datetime="${decision.decidedAt}">${formatTime(decision.decidedAt)}</time>`
      }.
    </p>
    ${decision.reason === undefined ? '' : html`<p>Reason: <q class="reason">${decision.reason}</q></p>`}
  </div>`;
}

/** A row id as a piece of an HTML id: anything but letters, digits, `-` and `_` becomes `_`. */
export function domId(rowId: string): string {
  return rowId.replace(/[^A-Za-z0-9_-]/g, '_');
}
