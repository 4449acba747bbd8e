import { addToGram, copyGram, gainMoments, gramMatrix } from './kernel-gram.js';
import type { CoalitionSample } from './kernel-sampling.js';

/** Values this small are rounding noise, and are written as 0, as the `shap` library does. */
const ZERO_BELOW = 1e-10;

/**
 * Kernel SHAP's weighted least squares with the efficiency constraint built in: the values of the `m` varying
 * features sum to `total` exactly. As in the `shap` library, the last feature's value is eliminated as
 * `total` minus the others, and the rest solve the normal equations of the reduced problem.
 * @param gains the coalitions' model values minus the value at the baseline, in the explained units
 * @param total the explained row's value minus the value at the baseline
 */
export function solveKernelShap(sample: CoalitionSample, gains: Float64Array, m: number, total: number): Float64Array {
  // The enumerated coalitions' part of the Gram matrix is shared by every row; only the drawn ones are added here.
  const sums = copyGram(sample.enumerated.gram);
  addToGram(sums, sample, sample.enumerated.count, sample.count, m);
  const gram = gramMatrix(sums, m);
  const moments = gainMoments(sample, gains, sample.count, m);

  // With z_j - z_last as regressors and gain - z_last * total as target, for j < last.
  const last = m - 1;
  const n = m - 1;
  const g = (a: number, b: number) => (a <= b ? gram[a * m + b]! : gram[b * m + a]!);
  const matrix = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let k = j; k < n; k++) {
      const value = g(j, k) - g(j, last) - g(k, last) + g(last, last);
      matrix[j * n + k] = value;
      matrix[k * n + j] = value;
    }
    rhs[j] = moments[j]! - moments[last]! - total * (g(j, last) - g(last, last));
  }

  const solution = solveSymmetric(matrix, rhs, n);
  const phi = new Float64Array(m);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    phi[j] = solution[j]!;
    sum += solution[j]!;
  }
  phi[last] = total - sum;
  for (let j = 0; j < m; j++) if (Math.abs(phi[j]!) < ZERO_BELOW) phi[j] = 0;
  return phi;
}

/**
 * Solves A x = b for a symmetric positive semi-definite A by Cholesky; when A is singular, which only a very
 * small budget makes happen, by its pseudo-inverse instead, as the `shap` library falls back to.
 */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const lower = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= lower[i * n + k]! * lower[j * n + k]!;
      if (i === j) {
        if (!(sum > 1e-12 * Math.abs(a[i * n + i]!))) return pseudoInverseSolve(a, b, n);
        lower[i * n + i] = Math.sqrt(sum);
      } else {
        lower[i * n + j] = sum / lower[j * n + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= lower[i * n + k]! * y[k]!;
    y[i] = sum / lower[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= lower[k * n + i]! * x[k]!;
    x[i] = sum / lower[i * n + i]!;
  }
  return x;
}

/** x = pinv(A) b through the eigenvectors of A (cyclic Jacobi), dropping eigenvalues at rounding level. */
function pseudoInverseSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const d = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += d[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = d[p * n + q]!;
        if (apq === 0) continue;
        const theta = (d[q * n + q]! - d[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const dkp = d[k * n + p]!;
          const dkq = d[k * n + q]!;
          d[k * n + p] = c * dkp - s * dkq;
          d[k * n + q] = s * dkp + c * dkq;
        }
        for (let k = 0; k < n; k++) {
          const dpk = d[p * n + k]!;
          const dqk = d[q * n + k]!;
          d[p * n + k] = c * dpk - s * dqk;
          d[q * n + k] = s * dpk + c * dqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(d[i * n + i]!));
  const x = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const value = d[e * n + e]!;
    if (Math.abs(value) <= 1e-15 * n * largest) continue;
    let projection = 0;
    for (let k = 0; k < n; k++) projection += v[k * n + e]! * b[k]!;
    for (let k = 0; k < n; k++) x[k]! += (v[k * n + e]! * projection) / value;
  }
  return x;
}
