/**
 * Embedding drift from summaries, after Evidently's embedding drift methods:
 *  - `distance`: Euclidean or cosine distance between the two sides' mean vectors;
 *  - `ratio`: the share of components whose own two-sample test (KS) drifted after a
 *    multiple-testing correction over the components.
 * (`mmd` is mmd.ts on a sample of the vectors.)
 */
import { benjaminiHochberg, bonferroni } from './multiple.js';
import { insufficient, ok, type StatResult } from './result.js';

export type VectorDistance = 'euclidean' | 'cosine';

/** Distance between two mean vectors; cosine distance is 1 − cos, undefined for a zero vector. */
export function meanDistance(a: ArrayLike<number>, b: ArrayLike<number>, metric: VectorDistance): StatResult<{ distance: number }> {
  if (a.length !== b.length) return insufficient('invalid_input', `dimensions differ: ${a.length} vs ${b.length}`);
  if (a.length === 0) return insufficient('insufficient_data', 'empty vectors');
  let dot = 0;
  let na = 0;
  let nb = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return insufficient('non_finite_input', `component ${i} is not finite`);
    dot += x * y;
    na += x * x;
    nb += y * y;
    sq += (x - y) ** 2;
  }
  if (metric === 'euclidean') return ok({ distance: Math.sqrt(sq) });
  if (!(na > 0 && nb > 0)) return insufficient('degenerate', 'cosine distance of a zero mean vector');
  return ok({ distance: 1 - dot / Math.sqrt(na * nb) });
}

/** Share of components whose corrected p-value is below `alpha`. */
export function driftedShare(pValues: number[], alpha: number, correction: 'none' | 'bonferroni' | 'bh'): StatResult<{ share: number; drifted: number; adjusted: number[] }> {
  if (pValues.length === 0) return insufficient('insufficient_data', 'no components');
  let adjusted = pValues;
  if (correction !== 'none') {
    const r = correction === 'bh' ? benjaminiHochberg(pValues) : bonferroni(pValues);
    if (!r.ok) return r;
    adjusted = r.adjusted;
  } else {
    for (const p of pValues) if (!(p >= 0 && p <= 1)) return insufficient('invalid_input', `p-value ${p} outside [0, 1]`);
  }
  const drifted = adjusted.filter((p) => p < alpha).length;
  return ok({ share: drifted / pValues.length, drifted, adjusted });
}
