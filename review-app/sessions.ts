/**
 * Browser sessions, kept in memory: a restart of the app signs everyone out, and no task state lives here. Every
 * visitor gets a session with a CSRF token before signing in, so that the sign-in form is protected too; signing in
 * replaces it with a new session, so that an id handed out before sign-in is worth nothing after it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  /** Sent back in every form; a POST without it is refused. */
  csrfToken: string;
  /** Set once signed in. */
  reviewer?: { id: string; groups: string[] };
  /** A message for the next page shown, then dropped. */
  flash?: string;
  expiresAtMs: number;
}

/** How long a session lives without being used. */
export interface SessionLifetimes {
  /** @default 8 hours */
  signedInMs: number;
  /** @default 1 hour */
  anonymousMs: number;
}

/** More sessions than this drop the oldest first: a flood of anonymous visits cannot exhaust the memory. */
const maxSessions = 10_000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly lifetimes: SessionLifetimes = { signedInMs: 8 * 3600_000, anonymousMs: 3600_000 },
    private readonly now: () => number = Date.now,
  ) {}

  /** The live session of this id, its lifetime renewed; undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAtMs <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expiresAtMs = this.now() + this.lifetime(session);
    // Re-inserting keeps the map in order of last use, which eviction relies on.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  create(reviewer?: Session['reviewer']): Session {
    this.evict();
    const session: Session = { id: token(), csrfToken: token(), expiresAtMs: 0 };
    if (reviewer !== undefined) session.reviewer = reviewer;
    session.expiresAtMs = this.now() + this.lifetime(session);
    this.sessions.set(session.id, session);
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  private lifetime(session: Session): number {
    return session.reviewer === undefined ? this.lifetimes.anonymousMs : this.lifetimes.signedInMs;
  }

  private evict(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) {
      if (this.sessions.size < maxSessions && session.expiresAtMs > now) break;
      this.sessions.delete(id);
    }
  }
}

/** Whether a form's token is the session's, compared in constant time. */
export function csrfTokenMatches(session: Session, sent: string | undefined): boolean {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function token(): string {
  return randomBytes(32).toString('base64url');
}
