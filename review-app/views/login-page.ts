import { html } from '../html.js';
import { layout } from './layout.js';

/** The sign-in form, with the error of the last attempt if any. */
export function loginPage(csrfToken: string, options: { error?: string; name?: string; next?: string } = {}) {
  const { error, name = '', next = '/' } = options;
  return layout(
    { title: 'Sign in' },
    html`<h1>Sign in</h1>
      ${error === undefined ? '' : html`<p class="form-error" role="alert" id="login-error">${error}</p>`}
      <form method="post" action="/login" class="login">
        <input type="hidden" name="csrf" value="${csrfToken}" />
        <input type="hidden" name="next" value="${next}" />
        <label for="name">Reviewer name</label>
        <input
          id="name"
          name="name"
          type="text"
          autocomplete="username"
          required
          value="${name}"
          ${error === undefined ? '' : html`aria-describedby="login-error"`}
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>`,
  );
}
