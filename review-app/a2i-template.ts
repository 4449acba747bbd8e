/**
 * The Amazon A2I worker template of a review task: a crowd-html Liquid template over the human loop's input (the
 * task and its records, as `output.json`'s `inputContent` holds them), with the same fields, labels and choices as
 * the review app's form. Each record's fields carry its row id, so the answers on a task's records never collide,
 * and the answer reads back into verdicts through {@link verdictsFromAnswer}.
 */
import { escapeHtml } from './html.js';
import { fieldLabels, maxReasonLength, reasonField, verdictField, verdictOptions } from '../workflows/review-fields.js';

export interface A2iTemplateOptions {
  /** The S3 bucket whose keys the records' `plotPngKey` name. */
  bucket: string;
}

const rowId = '{{ record.rowId | escape }}';

/** The template's text, ready for `CreateHumanTaskUi`. */
export function a2iWorkerTemplate({ bucket }: A2iTemplateOptions): string {
  const choices = verdictOptions
    .map(
      (option) => `
          <label class="choice">
            <input type="radio" name="${verdictField(rowId)}" value="${option.value}">
            ${escapeHtml(option.label)}
          </label>`,
    )
    .join('');

  return `<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<style>
  .record { border: 2px solid #8a8f98; border-radius: 6px; margin: 0 0 1.5rem; padding: 0.5rem 1rem 1rem; }
  .record legend { font-size: 1.2rem; font-weight: 700; }
  .record img { max-width: 100%; height: auto; border: 1px solid #8a8f98; }
  .choice { display: block; padding: 0.2rem 0; }
  .error { color: #a4000f; font-weight: 600; }
  textarea { width: 100%; font: inherit; }
</style>

<crowd-form>
  <h1>Review task {{ task.input.taskId | escape }}</h1>
  <p>Batch {{ task.input.batchId | escape }}, model {{ task.input.modelVersion | escape }}.</p>
  {% for record in task.input.records %}
  {% assign plot = "s3://${bucket}/" | append: record.plotPngKey %}
  <fieldset class="record">
    <legend>Record {{ forloop.index }} of {{ forloop.length }}: row {{ record.rowNumber }}</legend>
    <p>Predicted outcome: <strong>{{ record.predictedOutcome | escape }}</strong>;
      probability of &gt;50K: {{ record.probability | times: 100 | round: 1 }}%.</p>
    <img src="{{ plot | grant_read_access }}" alt="{{ record.plotDescription | escape }}">
    <p>{{ record.plotDescription | escape }}</p>
    <table>
      <caption>Feature values of row {{ record.rowNumber }}</caption>
      <thead><tr><th scope="col">Feature</th><th scope="col">Value</th><th scope="col">SHAP (log-odds)</th></tr></thead>
      <tbody>
        {% for feature in record.features %}
        <tr><th scope="row">{{ feature.feature | escape }}</th><td>{{ feature.value | escape }}</td>
          <td>{{ feature.shap | round: 3 }}</td></tr>
        {% endfor %}
      </tbody>
    </table>
    <fieldset class="verdict" data-record="${rowId}">
      <legend>${escapeHtml(fieldLabels.verdict)}</legend>${choices}
    </fieldset>
    <label for="${reasonField(rowId)}">${escapeHtml(fieldLabels.reason)}</label>
    <p>${escapeHtml(fieldLabels.reasonHint)}</p>
    <textarea id="${reasonField(rowId)}" name="${reasonField(rowId)}" rows="3" maxlength="${maxReasonLength}"></textarea>
    <p class="error" id="error-${rowId}" role="alert" hidden></p>
  </fieldset>
  {% endfor %}
</crowd-form>

<script>
  // Every record needs a verdict, and a disagreement needs a reason, before the answer is sent.
  document.querySelector('crowd-form').addEventListener('submit', function (event) {
    var first = null;
    document.querySelectorAll('fieldset.verdict').forEach(function (group) {
      var id = group.getAttribute('data-record');
      var chosen = group.querySelector('input[type="radio"]:checked');
      var reason = document.getElementById('${reasonField("' + id + '")}');
      var error = document.getElementById('error-' + id);
      var problem = chosen === null ? ${JSON.stringify(`Choose: ${verdictOptions.map((o) => o.value).join(' or ')}.`)}
        : chosen.value === 'disagree' && reason.value.trim() === '' ? ${JSON.stringify(fieldLabels.reasonMissing)} : '';
      error.textContent = problem;
      error.hidden = problem === '';
      if (problem !== '' && first === null) first = group.querySelector('input');
    });
    if (first !== null) {
      event.preventDefault();
      first.focus();
    }
  });
</script>
`;
}
