// Checks, before the form is sent, that every disagreement has a reason, and says so next to the record. The review
// task checks again when the verdicts arrive, so this is a convenience, not a safeguard.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('form.verdicts');
  if (form === null) return;

  const check = (block) => {
    const disagree = block.querySelector('input[type="radio"][value="disagree"]');
    const reason = block.querySelector('textarea');
    const error = document.getElementById(`error-${block.dataset.record}`);
    const missing = disagree !== null && disagree.checked && reason.value.trim() === '';
    if (missing) {
      error.textContent = form.dataset.reasonMissing;
      error.hidden = false;
      error.dataset.fromPage = 'true';
      reason.setAttribute('aria-invalid', 'true');
    } else if (error.dataset.fromPage === 'true') {
      error.textContent = '';
      error.hidden = true;
      delete error.dataset.fromPage;
      reason.removeAttribute('aria-invalid');
    }
    return missing ? reason : null;
  };

  form.addEventListener('submit', (event) => {
    const missing = [...form.querySelectorAll('.verdict[data-record]')].map(check).filter((field) => field !== null);
    if (missing.length > 0) {
      event.preventDefault();
      missing[0].focus();
    }
  });

  // A message the page added goes away as soon as the reviewer fixes what it was about.
  form.addEventListener('input', (event) => {
    const block = event.target.closest('.verdict[data-record]');
    const error = block && document.getElementById(`error-${block.dataset.record}`);
    if (error !== null && error.dataset.fromPage === 'true') check(block);
  });
});
