/** The review app: where reviewers see a task's explanations and give their verdicts. */
export { startReviewApp, type ReviewApp, type ReviewAppOptions } from './app.js';
export { reviewAppSettingsFromEnv, type ReviewAppSettings } from './settings.js';
export { withReviewApp } from './with-review-app.js';
