/** What every route handler of the review app works with: the request, the session and the app's services. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectStore } from '../lib/object-store.js';
import type { BatchPanels } from './batch-panel.js';
import { HttpError } from './http.js';
import type { LoginRateLimiter } from './rate-limit.js';
import type { Session, SessionStore } from './sessions.js';
import type { TaskSource } from './task-source.js';
import type { PageFrame } from './views/layout.js';

/** The app's parts, shared by every request. */
export interface AppServices {
  tasks: TaskSource;
  panels: BatchPanels;
  store: ObjectStore;
  sessions: SessionStore;
  limiter: LoginRateLimiter;
  reviewersFile: string;
}

export interface RequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  /** The decoded `:name` segments of the path. */
  params: Record<string, string>;
  url: URL;
  services: AppServices;
  session: Session | undefined;
  /** The fields of a POST's form, read and checked for the CSRF token before the handler runs. */
  form: Record<string, string>;
  /** Whether the browser reached the app over TLS, so cookies must be Secure. */
  secure: boolean;
  /** The client's address, for rate limits. */
  clientAddress: string;
}

/** A signed-in session and its reviewer. */
export type SignedIn = Session & { reviewer: NonNullable<Session['reviewer']> };

/** The session of a signed-in reviewer; a signed-out request is refused. */
export function signedIn(context: RequestContext): SignedIn {
  const session = context.session;
  if (session?.reviewer === undefined) {
    throw new HttpError(401, 'Signed out', 'You are not signed in. Sign in, then open the page again.');
  }
  return session as SignedIn;
}

/** The header of a signed-in page. */
export function frameOf(session: SignedIn, title: string): PageFrame {
  return { title, reviewerId: session.reviewer.id, csrfToken: session.csrfToken };
}

/** Takes the session's one-time message, if any. */
export function takeFlash(session: Session): string | undefined {
  const flash = session.flash;
  delete session.flash;
  return flash;
}
