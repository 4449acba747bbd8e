/** Sign-in and sign-out. */
import { logger } from '../../lib/logger.js';
import type { RequestContext } from '../context.js';
import { redirect, sendHtml, setCookie } from '../http.js';
import { readReviewers, unknownReviewerHash, verifyPassword } from '../reviewers.js';
import type { Session } from '../sessions.js';
import { loginPage } from '../views/login-page.js';

/** The cookie that carries the session id. */
export const sessionCookie = 'review_session';

/** Where to go after signing in: a path of this app only, never another site. */
export function safeNext(next: string | null | undefined): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\\]*$/.test(next) ? next : '/';
}

/** Gives the visitor a session, so the sign-in form can carry a CSRF token. */
export function ensureSession(context: RequestContext): Session {
  if (context.session !== undefined) return context.session;
  const session = context.services.sessions.create();
  setCookie(context.response, sessionCookie, session.id, { secure: context.secure, maxAge: 8 * 3600 });
  context.session = session;
  return session;
}

export async function showLogin(context: RequestContext): Promise<void> {
  const session = ensureSession(context);
  if (session.reviewer !== undefined) return redirect(context.response, '/');
  sendHtml(
    context.response,
    200,
    loginPage(session.csrfToken, { next: safeNext(context.url.searchParams.get('next')) }),
  );
}

export async function login(context: RequestContext): Promise<void> {
  const { services, form, response, clientAddress } = context;
  const session = context.session!;
  const name = (form.name ?? '').trim();
  const next = safeNext(form.next);
  const retry = (status: number, error: string) =>
    sendHtml(response, status, loginPage(session.csrfToken, { error, name, next }));

  const waitMs = services.limiter.retryAfterMs(name, clientAddress);
  if (waitMs > 0) {
    logger.warn({ reviewer: name, clientAddress }, 'Sign-in refused: too many failed attempts');
    response.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
    return retry(429, `Too many failed sign-ins. Try again in ${Math.ceil(waitMs / 60_000)} minutes.`);
  }

  const account = (await readReviewers(services.reviewersFile)).find((reviewer) => reviewer.id === name);
  const valid = await verifyPassword(form.password ?? '', account?.passwordHash ?? unknownReviewerHash);
  if (account === undefined || !valid) {
    services.limiter.recordFailure(name, clientAddress);
    logger.info({ reviewer: name, clientAddress }, 'Sign-in failed');
    return retry(401, 'Unknown reviewer name or wrong password.');
  }

  services.limiter.recordSuccess(name);
  services.sessions.delete(session.id);
  const fresh = services.sessions.create({ id: account.id, groups: account.groups });
  setCookie(response, sessionCookie, fresh.id, { secure: context.secure, maxAge: 8 * 3600 });
  logger.info({ reviewer: account.id }, 'Signed in');
  redirect(response, next);
}

export async function logout(context: RequestContext): Promise<void> {
  context.services.sessions.delete(context.session!.id);
  setCookie(context.response, sessionCookie, '', { secure: context.secure, maxAge: 0 });
  redirect(context.response, '/login');
}
