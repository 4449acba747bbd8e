import type { ReviewerNotification } from '../../activities/local/notifications.js';
import type { TaskView } from '../../workflows/review-types.js';
import { html } from '../html.js';
import { formatTime } from './format.js';
import { layout, type PageFrame } from './layout.js';

export interface QueueModel {
  /** The tasks on this page, oldest first. */
  tasks: TaskView[];
  /** All open tasks the reviewer may see. */
  total: number;
  page: number;
  pageCount: number;
  notices: ReviewerNotification[];
  flash?: string;
}

/** The open tasks a reviewer may take, oldest first, with their batch, records and deadlines. */
export function queuePage(frame: PageFrame, model: QueueModel) {
  const { tasks, total, page, pageCount } = model;
  const rows = tasks.map((task) => {
    const pending = task.records.filter((record) => record.decision.status === 'PENDING').length;
    return html`<tr>
      <th scope="row"><a href="/tasks/${encodeURIComponent(task.taskId)}">${task.taskId}</a></th>
      <td>${task.batchId}</td>
      <td>${pending} of ${task.records.length} waiting</td>
      <td><time datetime="${task.createdAt}">${formatTime(task.createdAt)}</time></td>
      <td><time datetime="${task.remindAt}">${formatTime(task.remindAt)}</time></td>
      <td><time datetime="${task.expiresAt}">${formatTime(task.expiresAt)}</time></td>
      <td>${task.groups.length === 0 ? 'everyone' : task.groups.join(', ')}</td>
    </tr>`;
  });

  return layout(
    frame,
    html`<h1>Open review tasks</h1>
      ${model.flash === undefined ? '' : html`<p class="flash" role="status">${model.flash}</p>`}
      ${
        total === 0
          ? html`<p class="empty">No review task waits for you right now.</p>`
          : html`<p>
                ${total} open ${total === 1 ? 'task' : 'tasks'}, oldest first.
                ${tasks[0] === undefined ? '' : html`<a href="/tasks/${encodeURIComponent(tasks[0].taskId)}">Start with the oldest</a>`}
              </p>
              <table class="queue">
                <caption>
                  Open review tasks, page ${page} of ${pageCount}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Task</th>
                    <th scope="col">Batch</th>
                    <th scope="col">Records</th>
                    <th scope="col">Created</th>
                    <th scope="col">Due (reminder)</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Groups</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
              ${pager(page, pageCount)}`
      }
      ${notices(model.notices)}`,
  );
}

function pager(page: number, pageCount: number) {
  if (pageCount <= 1) return '';
  return html`<nav aria-label="Pages" class="pager">
    ${page > 1 ? html`<a href="/?page=${page - 1}" rel="prev">Previous page</a>` : ''}
    ${page < pageCount ? html`<a href="/?page=${page + 1}" rel="next">Next page</a>` : ''}
  </nav>`;
}

function notices(list: ReviewerNotification[]) {
  if (list.length === 0) return '';
  return html`<section aria-labelledby="notices-heading" class="notices">
    <h2 id="notices-heading">Recent notices</h2>
    <ul>
      ${list.map(
        (notice) => html`<li><time datetime="${notice.at}">${formatTime(notice.at)}</time>: ${notice.message}</li>`,
      )}
    </ul>
  </section>`;
}
