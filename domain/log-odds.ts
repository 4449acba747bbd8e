/** The probability a log-odds stands for. */
export function sigmoid(logOdds: number): number {
  return 1 / (1 + Math.exp(-logOdds));
}

/** A log-odds with two decimals: `-2.10`, never `-0.00`. */
export function formatLogOdds(value: number): string {
  return value.toFixed(2).replace(/^-(0\.00)$/, '$1');
}

/** A push in log-odds, always signed, as the plot's value labels show it: `+0.42`, `-1.30`. */
export function formatPush(value: number): string {
  return `${value < 0 ? '-' : '+'}${Math.abs(value).toFixed(2)}`;
}

/** A probability with two decimals; one that would round to 0 or 1 says so, since it never is. */
export function formatProbability(probability: number): string {
  if (probability < 0.005) return 'below 0.01';
  if (probability > 0.995) return 'above 0.99';
  return probability.toFixed(2);
}
