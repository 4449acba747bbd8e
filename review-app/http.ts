/** The few pieces of HTTP the review app needs on top of `node:http`: forms, cookies, headers and replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';

/** The longest form body read, in bytes: room for three reasons well over the allowed length, so that the review
 * task's validator, not a cut-off body, says what is too long. */
export const maxFormBytes = 256 * 1024;

/** A reply other than the page asked for, with the status and the message the user sees. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Headers on every reply: scripts and styles only from the app itself, no framing, no sniffing, no referrer.
 * Pages are never cached, since they show a reviewer's tasks.
 */
export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; " +
      "frame-ancestors 'none'; base-uri 'none'",
  );
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('Cache-Control', 'no-store');
}

export function sendHtml(response: ServerResponse, status: number, page: SafeHtml): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.end(`<!doctype html>\n${page.text}`);
}

/** A 303, so that the browser follows a form's POST with a GET. */
export function redirect(response: ServerResponse, location: string): void {
  response.statusCode = 303;
  response.setHeader('Location', location);
  response.end();
}

/** Reads an `application/x-www-form-urlencoded` body; every field is kept, the first value of a repeated one wins. */
export async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'Unsupported form', 'This address takes only forms sent by the review app’s pages.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxFormBytes) {
      throw new HttpError(
        413,
        'Form too large',
        `The form is larger than ${maxFormBytes / 1024} KiB; shorten the reasons.`,
      );
    }
    chunks.push(chunk);
  }
  // No prototype, so that a field named like one of Object's own properties is only a field.
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    if (!Object.hasOwn(fields, name)) fields[name] = value;
  }
  return fields;
}

export function parseCookies(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(index + 1).trim());
  }
  return cookies;
}

/** What a cookie is sent with. */
export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

export function setCookie(response: ServerResponse, name: string, value: string, options: CookieOptions): void {
  const attributes = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${options.maxAge}`];
  if (options.secure) attributes.push('Secure');
  response.appendHeader('Set-Cookie', attributes.join('; '));
}
