/**
 * The review app: a small HTTP server where reviewers sign in, see the open review tasks, and give their verdicts,
 * with Temporal as the only store of task state.
 */
import { ServiceError, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from '../lib/logger.js';
import type { ObjectStore } from '../lib/object-store.js';
import { BatchPanels } from './batch-panel.js';
import type { AppServices, RequestContext } from './context.js';
import { HttpError, parseCookies, readForm, redirect, sendHtml, setSecurityHeaders } from './http.js';
import { defaultLoginLimits, LoginRateLimiter, type LoginLimits } from './rate-limit.js';
import { defaultReviewersFile } from './reviewers.js';
import { Router } from './router.js';
import { serveAsset, servePlot } from './routes/assets.js';
import { login, logout, sessionCookie, showLogin } from './routes/auth.js';
import { showQueue } from './routes/queue.js';
import { showTask, submitVerdicts } from './routes/task.js';
import { csrfTokenMatches, SessionStore } from './sessions.js';
import { TaskSource } from './task-source.js';
import { messagePage } from './views/message-page.js';

export interface ReviewAppOptions {
  /** The Temporal client every task is read and decided through. */
  client: Client;
  /** The object store that holds the plots and the batches' explanations. */
  store: ObjectStore;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default `.data/reviewers.json` */
  reviewersFile?: string;
  /**
   * Whether a reverse proxy in front of the app terminates TLS: then its `X-Forwarded-Proto` and `X-Forwarded-For`
   * headers are believed, and cookies are marked Secure when the browser used https. @default false
   */
  trustProxy?: boolean;
  /** @default 5 failures per account and 20 per address in 15 minutes */
  loginLimits?: LoginLimits;
}

export interface ReviewApp {
  /** Where the app answers, e.g. `http://127.0.0.1:8080`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the review app; it answers once the returned promise resolves. */
export async function startReviewApp(options: ReviewAppOptions): Promise<ReviewApp> {
  const tasks = new TaskSource(options.client);
  const services: AppServices = {
    tasks,
    panels: new BatchPanels(tasks, options.store),
    store: options.store,
    sessions: new SessionStore(),
    limiter: new LoginRateLimiter(options.loginLimits ?? defaultLoginLimits),
    reviewersFile: options.reviewersFile ?? defaultReviewersFile,
  };
  const router = new Router<RequestContext>()
    .get('/', showQueue)
    .get('/login', showLogin)
    .post('/login', login)
    .post('/logout', logout)
    .get('/tasks/:taskId', showTask)
    .post('/tasks/:taskId/verdicts', submitVerdicts)
    .get('/tasks/:taskId/records/:rowId/plot.png', servePlot)
    .get('/static/:name', serveAsset);
  const trustProxy = options.trustProxy ?? false;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => logger.error({ err: error }, 'Review app reply failed'));
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    setSecurityHeaders(response);
    const context = requestContext(request, response, services, trustProxy);
    try {
      await dispatch(router, context);
    } catch (error) {
      replyWithError(context, error, requestId);
    }
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'Review app listening');

  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function requestContext(
  request: IncomingMessage,
  response: ServerResponse,
  services: AppServices,
  trustProxy: boolean,
): RequestContext {
  const forwarded = (name: string) =>
    String(request.headers[name] ?? '')
      .split(',')[0]!
      .trim();
  return {
    request,
    response,
    params: {},
    url: new URL(request.url ?? '/', 'http://review-app.invalid'),
    services,
    session: services.sessions.get(parseCookies(request).get(sessionCookie)),
    form: {},
    secure: trustProxy && forwarded('x-forwarded-proto') === 'https',
    clientAddress: (trustProxy && forwarded('x-forwarded-for')) || request.socket.remoteAddress || 'unknown',
  };
}

/** Runs the route's handler; every POST must come from a session's own form, with its CSRF token. */
async function dispatch(router: Router<RequestContext>, context: RequestContext): Promise<void> {
  const { request, response } = context;
  const match = router.match(request.method ?? 'GET', context.url.pathname);
  if (match.kind === 'not-found') throw new HttpError(404, 'Page not found', 'There is no page at this address.');
  if (match.kind === 'wrong-method') {
    response.setHeader('Allow', match.allowed.join(', '));
    throw new HttpError(405, 'Not allowed', 'This address does not take that kind of request.');
  }
  context.params = match.params;

  if (request.method === 'POST') {
    context.form = await readForm(request);
    if (context.session === undefined || !csrfTokenMatches(context.session, context.form.csrf)) {
      throw new HttpError(
        403,
        'Form refused',
        'This form has expired or did not come from this app’s pages. Open the page again and send it from there.',
      );
    }
  }
  if (context.session?.reviewer === undefined && isSignedInPage(request.method, context.url.pathname)) {
    return redirect(response, `/login?next=${encodeURIComponent(context.url.pathname + context.url.search)}`);
  }
  await match.handler(context);
}

/** Pages a signed-out browser is sent to sign in for, rather than refused. */
function isSignedInPage(method: string | undefined, pathname: string): boolean {
  return (method === 'GET' || method === 'HEAD') && (pathname === '/' || /^\/tasks\/[^/]+$/.test(pathname));
}

/** Answers with a page that says what went wrong; the details of an unexpected error go to the log only. */
function replyWithError(context: RequestContext, error: unknown, requestId: string): void {
  const { response, request } = context;
  if (response.headersSent) {
    logger.error({ err: error, requestId }, 'Review app failed after replying');
    response.destroy();
    return;
  }
  const session = context.session;
  const frame = {
    title: 'Problem',
    ...(session?.reviewer !== undefined && { reviewerId: session.reviewer.id, csrfToken: session.csrfToken }),
  };
  if (error instanceof HttpError) {
    sendHtml(response, error.status, messagePage({ ...frame, title: error.title }, error.title, error.message));
    return;
  }
  const unavailable = error instanceof ServiceError;
  logger.error({ err: error, requestId, method: request.method, path: context.url.pathname }, 'Review app error');
  const message = unavailable
    ? 'The review service cannot reach Temporal just now. Your verdicts were not sent; try again in a minute.'
    : 'Something went wrong on our side. Your last action may not have been recorded; open the task again to check.';
  sendHtml(response, unavailable ? 503 : 500, messagePage(frame, 'Something went wrong', message, requestId));
}
