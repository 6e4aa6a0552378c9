/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, reproducing scipy.stats.ks_2samp
 * (method='auto'), SciPy 1.17:
 *  - D = max |F1(t) - F2(t)| over the pooled values, ECDFs taken as #(x <= t)/n.
 *  - auto: exact null distribution when max(n, m) <= 10000, else asymptotic.
 *  - exact: D is snapped to h/lcm(n, m) with h = round(D·lcm) (half-to-even, as np.round),
 *    then the lattice-path probability: `_compute_prob_outside_square` when n == m, Hodges'
 *    inside method with Viehmann's 1-p recursion (`_compute_outer_prob_inside_method`) otherwise.
 *    If that does not give a probability in [0, 1] SciPy falls back to asymp; so do we.
 *  - asymp: kstwo.sf(D, round(n·m/(n+m))) — the one-sample exact distribution at the effective
 *    size, see kstwo.ts.
 * `ksPValue(d, n, m)` is the same p-value from the statistic alone, so D can be computed in the
 * database and the p-value here.
 */
import { kstwoSf } from './kstwo.js';
import { checkSample, insufficient, ok, type StatResult } from './result.js';

/** Above this sample size 'auto' switches from exact to asymptotic (SciPy MAX_AUTO_N). */
export const KS_MAX_AUTO_N = 10000;

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsPValue {
  /** Two-sided p-value, in [0, 1]. */
  pvalue: number;
  /** Method actually used (after auto selection and any exact→asymp fallback). */
  method: 'exact' | 'asymp';
  /** The statistic as SciPy reports it: h/lcm(n, m) in exact mode, the input D in asymp mode. */
  statistic: number;
}

export interface KsResult extends KsPValue {
  /** Pooled value at which the ECDF difference attains D (SciPy statistic_location). */
  statisticLocation: number;
  /** +1 when F1 - F2 attains D (first sample's ECDF above), -1 otherwise (SciPy statistic_sign). */
  statisticSign: 1 | -1;
}

/** Round half to even, as np.round; Math.round rounds halves up and would differ at x.5. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Pr(D_{n,n} >= h/n), Horner form of the alternating binomial sum (SciPy). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths (0,0)→(m,n) that touch |x/m - y/n| >= h/lcm, computed directly as
 * 1 - p column by column so that tiny p-values keep their relative precision (SciPy, pythran).
 */
function outerProbInside(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(maxj - minj + (lastlen - curlen), lenA));
  }
  return A[maxj - minj - 1]!;
}

/** SciPy _attempt_exact_2kssamp (two-sided): null when it cannot produce a probability. */
function attemptExact(n1: number, n2: number, d: number): { d: number; p: number | null } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dSnapped = h / lcm;
  if (h === 0) return { d: dSnapped, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  return { d: dSnapped, p: p >= 0 && p <= 1 ? p : null };
}

/**
 * Two-sided p-value for statistic d with sample sizes n and m, exactly as
 * scipy.stats.ks_2samp(method) would compute it from the data (see the file comment).
 */
export function ksPValue(d: number, n: number, m: number, method: KsMethod = 'auto'): StatResult<KsPValue> {
  if (!Number.isFinite(d) || !Number.isFinite(n) || !Number.isFinite(m)) {
    return insufficient('non_finite_input', `d=${d}, n=${n}, m=${m}`);
  }
  if (!Number.isInteger(n) || !Number.isInteger(m)) return insufficient('invalid_input', `sizes must be integers: n=${n}, m=${m}`);
  if (n < 1 || m < 1) return insufficient('insufficient_data', `both samples need >= 1 value: n=${n}, m=${m}`);
  if (d < 0 || d > 1) return insufficient('invalid_input', `d must lie in [0, 1], got ${d}`);
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n, m) <= KS_MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact') {
    const g = gcd(n, m);
    mode = n / g >= 2147483647 / (m / g) ? 'asymp' : 'exact'; // SciPy: lcm must fit int32
  } else mode = 'asymp';
  let stat = d;
  if (mode === 'exact') {
    const ex = attemptExact(n, m, d);
    stat = ex.d;
    if (ex.p !== null) return ok({ pvalue: Math.min(1, Math.max(0, ex.p)), method: 'exact', statistic: stat });
  }
  const [big, small] = n >= m ? [n, m] : [m, n];
  const en = (big * small) / (big + small);
  const sf = kstwoSf(stat, roundHalfEven(en));
  if (!sf.ok) return sf; // unreachable: round(en) >= 1 whenever max(n, m) > 1
  return ok({ pvalue: Math.min(1, Math.max(0, sf.value)), method: 'asymp', statistic: stat });
}

function isSortedAscending(xs: ArrayLike<number>): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i - 1]! > xs[i]!) return false;
  return true;
}

function sortedCopyIfNeeded(xs: ArrayLike<number>): ArrayLike<number> {
  return isSortedAscending(xs) ? xs : Float64Array.from(xs).sort();
}

/**
 * D = sup |F1 - F2| with SciPy's location and sign; inputs need not be sorted (sorted input is
 * detected and used in place), must be non-empty and finite.
 */
export function ksStatistic(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): StatResult<{ statistic: number; statisticLocation: number; statisticSign: 1 | -1 }> {
  const bad = checkSample(x, 'x') ?? checkSample(y, 'y');
  if (bad) return bad;
  const a = sortedCopyIfNeeded(x);
  const b = sortedCopyIfNeeded(y);
  const n1 = a.length;
  const n2 = b.length;
  // Walk the distinct pooled values; at each, cdf1 - cdf2 computed as SciPy does (i/n1 - j/n2).
  // SciPy's argmax/argmin scan [sorted x, sorted y], so on ties the location is the smallest
  // qualifying value of x if any, else the smallest of y: track both.
  let maxS = -Infinity;
  let maxLocX = NaN;
  let maxLocY = NaN;
  let minD = Infinity;
  let minLocX = NaN;
  let minLocY = NaN;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const t = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    const inX = i < n1 && a[i] === t;
    const inY = j < n2 && b[j] === t;
    while (i < n1 && a[i] === t) i++;
    while (j < n2 && b[j] === t) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) {
      maxS = diff;
      maxLocX = inX ? t : NaN;
      maxLocY = inY ? t : NaN;
    } else if (diff === maxS) {
      if (inX && Number.isNaN(maxLocX)) maxLocX = t;
      if (inY && Number.isNaN(maxLocY)) maxLocY = t;
    }
    if (diff < minD) {
      minD = diff;
      minLocX = inX ? t : NaN;
      minLocY = inY ? t : NaN;
    } else if (diff === minD) {
      if (inX && Number.isNaN(minLocX)) minLocX = t;
      if (inY && Number.isNaN(minLocY)) minLocY = t;
    }
  }
  const minS = Math.min(1, Math.max(0, -minD));
  const pick = (lx: number, ly: number): number => (Number.isNaN(lx) ? ly : lx);
  if (minS > maxS) return ok({ statistic: minS, statisticLocation: pick(minLocX, minLocY), statisticSign: -1 });
  return ok({ statistic: maxS, statisticLocation: pick(maxLocX, maxLocY), statisticSign: 1 });
}

/** Two-sample two-sided KS test of x against y, as scipy.stats.ks_2samp(x, y, method). */
export function ks2Samp(x: ArrayLike<number>, y: ArrayLike<number>, method: KsMethod = 'auto'): StatResult<KsResult> {
  const s = ksStatistic(x, y);
  if (!s.ok) return s;
  const p = ksPValue(s.statistic, x.length, y.length, method);
  if (!p.ok) return p;
  return ok({
    pvalue: p.pvalue,
    method: p.method,
    statistic: p.statistic,
    statisticLocation: s.statisticLocation,
    statisticSign: s.statisticSign,
  });
}
