/** Where the review app listens and what it reads, from the environment. */
import { InputError } from '../domain/errors.js';
import { defaultReviewersFile } from './reviewers.js';

export interface ReviewAppSettings {
  host: string;
  port: number;
  reviewersFile: string;
  trustProxy: boolean;
}

/**
 * Reads `REVIEW_APP_HOST`, `REVIEW_APP_PORT`, `REVIEW_APP_REVIEWERS` (the accounts file) and
 * `REVIEW_APP_TRUST_PROXY` (`true` behind a reverse proxy that terminates TLS).
 *
 * @default 127.0.0.1:8080, `.data/reviewers.json`, no proxy
 */
export function reviewAppSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ReviewAppSettings {
  const portText = env.REVIEW_APP_PORT || '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(`'${portText}' is not a port number`, { field: 'REVIEW_APP_PORT' }, 'Give 0 to 65535');
  }
  const proxy = (env.REVIEW_APP_TRUST_PROXY ?? '').toLowerCase();
  if (!['', 'true', 'false', '1', '0'].includes(proxy)) {
    throw new InputError(`'${proxy}' is not true or false`, { field: 'REVIEW_APP_TRUST_PROXY' }, 'Give true or false');
  }
  return {
    host: env.REVIEW_APP_HOST || '127.0.0.1',
    port,
    reviewersFile: env.REVIEW_APP_REVIEWERS || defaultReviewersFile,
    trustProxy: proxy === 'true' || proxy === '1',
  };
}
