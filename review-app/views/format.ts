/** How times and numbers read on the review app's pages. */

/** An ISO 8601 instant as `2026-04-03 14:05 UTC`. */
export function formatTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A probability as a percentage with one decimal. */
export function formatProbability(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** A SHAP value in log-odds, with its sign unless it rounds to zero. */
export function formatShap(value: number): string {
  const digits = Math.abs(value).toFixed(3);
  if (Number(digits) === 0) return digits;
  return `${value > 0 ? '+' : '−'}${digits}`;
}

/** The class that colours a SHAP value by the outcome it pushes toward: `up` toward >50K, `down` toward <=50K. */
export function shapClass(value: number): string {
  if (Number(Math.abs(value).toFixed(3)) === 0) return 'none';
  return value > 0 ? 'up' : 'down';
}

/** Why a record was sent to review, in words. */
export function selectionReason(reason: 'negative' | 'band' | 'audit'): string {
  return {
    negative: 'negative outcome',
    band: 'close to the threshold',
    audit: 'random audit of a positive outcome',
  }[reason];
}
