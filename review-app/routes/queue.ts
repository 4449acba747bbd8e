/** The queue: the open tasks a reviewer may take, oldest first. */
import { readNotifications } from '../../activities/local/notifications.js';
import type { TaskView } from '../../workflows/review-types.js';
import { frameOf, signedIn, takeFlash, type RequestContext } from '../context.js';
import { sendHtml } from '../http.js';
import { mapWithLimit } from '../task-facts.js';
import { queuePage } from '../views/queue-page.js';

const pageSize = 25;
const noticeCount = 10;

export async function showQueue(context: RequestContext): Promise<void> {
  const session = signedIn(context);
  const { tasks, store } = context.services;
  const open = await tasks.openTasksFor(session.reviewer.groups);
  const pageCount = Math.max(1, Math.ceil(open.length / pageSize));
  const asked = Number(context.url.searchParams.get('page') ?? '1');
  const page = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), pageCount) : 1;

  const shown = open.slice((page - 1) * pageSize, page * pageSize);
  const views = (await mapWithLimit(shown, 8, (task) => tasks.view(task.taskId))).filter(
    (view): view is TaskView => view?.status === 'OPEN',
  );
  const notices = (await mapWithLimit(views, 8, (view) => readNotifications(store, view.taskId)))
    .flat()
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, noticeCount);

  const flash = takeFlash(session);
  sendHtml(
    context.response,
    200,
    queuePage(frameOf(session, 'Open review tasks'), {
      tasks: views,
      total: open.length,
      page,
      pageCount,
      notices,
      ...(flash !== undefined && { flash }),
    }),
  );
}
