import { html } from '../html.js';
import { layout, type PageFrame } from './layout.js';

/** A page that only says something: not found, refused, closed, or an error with the reference to report. */
export function messagePage(frame: PageFrame, heading: string, message: string, reference?: string) {
  return layout(
    frame,
    html`<h1>${heading}</h1>
      <p class="message">${message}</p>
      ${reference === undefined ? '' : html`<p>Reference for the administrator: <code>${reference}</code></p>`}
      <p><a href="/">Back to the open tasks</a></p>`,
  );
}
