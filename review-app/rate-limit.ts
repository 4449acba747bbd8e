/**
 * Limits failed sign-ins, per account and per client address, over a sliding window: guessing one reviewer's
 * password from many addresses, or many reviewers' passwords from one address, both run into a limit.
 */

export interface LoginLimits {
  /** Failed sign-ins allowed per account within the window. @default 5 */
  perAccount: number;
  /** Failed sign-ins allowed per client address within the window. @default 20 */
  perAddress: number;
  /** @default 15 minutes */
  windowMs: number;
}

export const defaultLoginLimits: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

/** Keys remembered at most; past that the oldest are forgotten first. */
const maxKeys = 10_000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = defaultLoginLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the account may be tried again from this address; 0 when it may be tried now. */
  retryAfterMs(account: string, address: string): number {
    return Math.max(
      this.wait(`account:${account.toLowerCase()}`, this.limits.perAccount),
      this.wait(`address:${address}`, this.limits.perAddress),
    );
  }

  recordFailure(account: string, address: string): void {
    for (const key of [`account:${account.toLowerCase()}`, `address:${address}`]) {
      const times = this.recent(key);
      times.push(this.now());
      this.failures.delete(key);
      this.failures.set(key, times);
    }
    while (this.failures.size > maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A successful sign-in clears the account's failures; the address keeps its count. */
  recordSuccess(account: string): void {
    this.failures.delete(`account:${account.toLowerCase()}`);
  }

  private wait(key: string, limit: number): number {
    const times = this.recent(key);
    if (times.length < limit) return 0;
    return times[times.length - limit]! + this.limits.windowMs - this.now();
  }

  private recent(key: string): number[] {
    const since = this.now() - this.limits.windowMs;
    const times = (this.failures.get(key) ?? []).filter((time) => time > since);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }
}
