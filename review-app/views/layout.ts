import { html, type SafeHtml } from '../html.js';

/** What every page shows around its content. */
export interface PageFrame {
  title: string;
  /** Who is signed in; their name and a sign-out button show in the header. */
  reviewerId?: string;
  csrfToken?: string;
  /** The task page's script: its form checks reasons before sending them. */
  withScript?: boolean;
}

/** A whole page: header, skip link, main content and the app's one style sheet. */
export function layout(frame: PageFrame, main: SafeHtml): SafeHtml {
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${frame.title} · Review cycle</title>
      <link rel="stylesheet" href="/static/app.css" />
      ${frame.withScript ? html`<script src="/static/task.js" defer></script>` : ''}
    </head>
    <body>
      <a class="skip-link" href="#main">Skip to main content</a>
      <header class="site-header">
        <p class="brand"><a href="/">Review cycle</a></p>
        ${frame.reviewerId === undefined ? '' : signOut(frame.reviewerId, frame.csrfToken ?? '')}
      </header>
      <main id="main" tabindex="-1">${main}</main>
    </body>
  </html>`;
}

function signOut(reviewerId: string, csrfToken: string): SafeHtml {
  return html`<nav aria-label="Account">
    <a href="/">Open tasks</a>
    <span class="signed-in">Signed in as <strong>${reviewerId}</strong></span>
    <form method="post" action="/logout" class="inline">
      <input type="hidden" name="csrf" value="${csrfToken}" />
      <button type="submit">Sign out</button>
    </form>
  </nav>`;
}
