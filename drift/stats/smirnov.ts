/**
 * One-sided Kolmogorov–Smirnov (Smirnov) distribution, as scipy.special.smirnov(n, x) =
 * P(D+_n >= x), ported from xsf/cephes/kolmogorov.h (Birnbaum–Tingey sum with Cephes' choice of
 * lower or upper sum, special cases and large-n approximation). kstwo.ts needs it for the upper
 * tail: P(D_n >= x) = 2·smirnov(n, x) there. Cephes accumulates in double-double; we sum the
 * (positive, in the branch kstwo uses) terms in log space, which stays within ~1e-12 relative for
 * n <= 1e6 — far inside the 1e-6 the KS p-values need.
 */
import { insufficient, ok, type StatResult } from './result.js';

const LOG_2PI = Math.log(2 * Math.PI);
const CEPHES_MINLOG = -7.451332191019412076235e2; // log(2^-1075), Cephes MINLOG
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
// Stirling coefficients B_2j/(2j)/(2j-1), j = 8..1 (highest power first, for polyval).
export const STIRLING = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
  8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));

/** Horner evaluation, coefficients highest power first (numpy.polyval). */
function polyval(coeffs: readonly number[], x: number): number {
  let r = 0;
  for (const c of coeffs) r = r * x + c;
  return r;
}

// log(k!) for the Birnbaum–Tingey binomials: a table while k! is representable (k <= 170), Stirling beyond
// (truncation error < 1e-20 there).
const LOG_FACT: number[] = [0];
for (let k = 1, f = 1; k <= 170; k++) {
  f *= k;
  LOG_FACT.push(Math.log(f));
}
function logFactorial(k: number): number {
  if (k <= 170) return LOG_FACT[k]!;
  const x = k + 1;
  const r = 1 / x;
  return (x - 0.5) * Math.log(x) - x + LOG_2PI / 2 + r * polyval(STIRLING, r * r);
}

/** Exact product a*b = p + e (Dekker), so floor(n*x) and its remainder are exact as in Cephes modNX. */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (v: number): [number, number] => {
    const c = 134217729 * v; // 2^27 + 1
    const hi = c - (c - v);
    return [hi, v - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, e];
}

/** One-sided Smirnov survival P(D+_n >= x) for integer n >= 1 and 0 <= x <= 1 (unchecked). */
function smirnovRaw(n: number, x: number): number {
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const [p, e] = twoProduct(n, x);
  let nxfl = Math.floor(p);
  if (p === nxfl && e < 0) nxfl -= 1;
  let alpha = p - nxfl + e;
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  if (alpha === 0) {
    // x*n integral: the last term of either sum is zero, leave it out.
    n1mxfl -= 1;
    n1mxceil += 1;
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) return 1 - x * Math.pow(1 + x, n - 1);
  if (-2 * n * x * x < CEPHES_MINLOG) return 0;
  if (nxfl >= n - 1) return Math.pow(1 - x, n);
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    // Cephes' approximation p ~ exp(-(6nx+1)^2/18n) for very large n.
    return logp < -Math.LN2 ? Math.exp(logp) : 1 - -Math.expm1(logp);
  }
  const nUpperTerms = n - n1mxceil + 1;
  const useUpper =
    (nUpperTerms <= 1 && x < 0.5) ||
    (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));
  // A_v = C(n,v) (1 - x - v/n)^(n-v) (x + v/n)^(v-1); the bases are formed from the exact
  // split n*x = nxfl + alpha so that the near-zero base of the last terms keeps its precision.
  const logFactN = logFactorial(n);
  const term = (v: number): number => {
    const b2 = (n - v - nxfl - alpha) / n;
    const b1 = (nxfl + v + alpha) / n;
    const sign = b2 < 0 && (n - v) % 2 === 1 ? -1 : 1;
    const lg =
      logFactN - logFactorial(v) - logFactorial(n - v) + (n - v) * Math.log(Math.abs(b2)) + (v - 1) * Math.log(b1);
    return sign * Math.exp(lg);
  };
  const start = useUpper ? n : 0;
  const step = useUpper ? -1 : 1;
  const nTerms = useUpper ? n - n1mxceil + 1 : n1mxfl + 1;
  const vmid = Math.floor(n / 2);
  let sum = useUpper ? Math.pow(1 + x, n - 1) : Math.pow(1 - x, n) / x;
  for (let j = 1; j < nTerms; j++) {
    const aj = term(start + j * step);
    if (Number.isFinite(aj) && aj !== 0) sum += aj;
    if (aj !== 0) {
      if (4 * (nTerms - j) * Math.abs(aj) < Number.EPSILON * sum && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
  }
  const prob = x * sum;
  return clip01(useUpper ? 1 - prob : prob);
}

/** P(D+_n >= x) for the one-sided KS statistic, as scipy.special.smirnov(n, x); x in [0, 1]. */
export function smirnovSf(n: number, x: number): StatResult<{ value: number }> {
  if (!Number.isFinite(n) || !Number.isFinite(x)) return insufficient('non_finite_input', `n=${n}, x=${x}`);
  if (!Number.isInteger(n) || n < 1) return insufficient('invalid_input', `n must be an integer >= 1, got ${n}`);
  if (x < 0 || x > 1) return insufficient('invalid_input', `x must lie in [0, 1], got ${x}`);
  return ok({ value: smirnovRaw(n, x) });
}
