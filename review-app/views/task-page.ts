import type { TaskView } from '../../workflows/review-types.js';
import type { BatchPanel } from '../batch-panel.js';
import { html } from '../html.js';
import { fieldLabels, reasonField, verdictField } from '../../workflows/review-fields.js';
import { batchPanelView } from './batch-panel-view.js';
import { formatTime } from './format.js';
import { layout, type PageFrame } from './layout.js';
import { domId, recordFieldset } from './record-fieldset.js';

export interface TaskPageModel {
  view: TaskView;
  panel: BatchPanel;
  flash?: string;
  /** A problem with the submission as a whole. */
  formError?: string;
  /** Problems with one record, by row id. */
  recordErrors: Map<string, string>;
  /** The fields as the reviewer last sent them, to show again after a refusal. */
  entered: Record<string, string>;
}

/** A review task: its records with their explanations, the verdict form, and the batch panel. */
export function taskPage(frame: PageFrame, model: TaskPageModel) {
  const { view } = model;
  const open = view.status === 'OPEN';
  const pending = view.records.filter((record) => record.decision.status === 'PENDING').length;
  const records = view.records.map((record, index) =>
    recordFieldset({
      taskId: view.taskId,
      record,
      position: index + 1,
      count: view.records.length,
      open,
      entered: { verdict: model.entered[verdictField(record.rowId)], reason: model.entered[reasonField(record.rowId)] },
      ...(model.recordErrors.has(record.rowId) && { error: model.recordErrors.get(record.rowId)! }),
    }),
  );

  return layout(
    { ...frame, withScript: open },
    html`<h1>Review task <span class="task-id">${view.taskId}</span></h1>
      <dl class="task-facts">
        <div>
          <dt>Batch</dt>
          <dd>${view.batchId}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>${view.modelVersion}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>${view.status}${open ? html`, ${pending} of ${view.records.length} records waiting` : ''}</dd>
        </div>
        <div>
          <dt>Due</dt>
          <dd><time datetime="${view.remindAt}">${formatTime(view.remindAt)}</time></dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd><time datetime="${view.expiresAt}">${formatTime(view.expiresAt)}</time></dd>
        </div>
      </dl>
      ${model.flash === undefined ? '' : html`<p class="flash" role="status">${model.flash}</p>`} ${errorSummary(model)}
      ${model.formError === undefined ? '' : html`<p class="form-error" role="alert" id="form-error">${model.formError}</p>`}
      ${open ? '' : html`<p class="closed" role="status">${closedMessage(view)}</p>`}
      <form
        method="post"
        action="/tasks/${encodeURIComponent(view.taskId)}/verdicts"
        class="verdicts"
        novalidate
        data-reason-missing="${fieldLabels.reasonMissing}"
      >
        <input type="hidden" name="csrf" value="${frame.csrfToken ?? ''}" />
        ${records}
        ${open && pending > 0 ? html`<p class="submit"><button type="submit">${fieldLabels.submit}</button></p>` : ''}
      </form>
      ${batchPanelView(model.panel)}`,
  );
}

/** Why a task takes no more verdicts. */
export function closedMessage(view: TaskView): string {
  switch (view.status) {
    case 'DECIDED':
      return 'Every record of this task has its verdict; it takes no more.';
    case 'EXPIRED':
      return `This task expired at ${formatTime(view.expiresAt)}; its undecided records were recorded as expired, and it takes no more verdicts.`;
    case 'CANCELLED':
      return 'This task was cancelled; it takes no more verdicts.';
    default:
      return '';
  }
}

/** Says, at the top, that nothing was recorded and which records to look at, with a link to each. */
function errorSummary(model: TaskPageModel) {
  if (model.recordErrors.size === 0) return '';
  const positions = model.view.records
    .map((record, index) => ({ rowId: record.rowId, position: index + 1 }))
    .filter(({ rowId }) => model.recordErrors.has(rowId));
  return html`<div class="form-error" role="alert">
    <p>Your verdicts were not recorded. See the message at:</p>
    <ul>
      ${positions.map(({ rowId, position }) => html`<li><a href="#record-${domId(rowId)}">record ${position}</a></li>`)}
    </ul>
  </div>`;
}
