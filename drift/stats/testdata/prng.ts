/**
 * Deterministic sample generator shared with generate.py, so vectors.json can describe large
 * samples by their parameters instead of storing them. Only exact arithmetic is used before the
 * final affine map (xorshift32 integers, dyadic uniforms, Irwin–Hall sums of 12 uniforms), so
 * TypeScript and Python produce bit-identical doubles; Box–Muller would depend on libm rounding.
 */

export interface SampleSpec {
  seed: number;
  n: number;
  /** normal: Irwin–Hall(12) − 6 (mean 0, sd 1, support ±6); uniform: (0, 1); grid: floor(u·levels). */
  dist: 'normal' | 'uniform' | 'grid';
  loc: number;
  scale: number;
  levels?: number;
}

/** xorshift32 (Marsaglia 2003, shifts 13/17/5) over unsigned 32-bit state; seed 0 is remapped. */
export class XorShift32 {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Next raw 32-bit value. */
  nextU32(): number {
    let x = this.s;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    this.s = x;
    return x;
  }
  /** Uniform in (0, 1): (u32 + 0.5) / 2^32, exact in a double. */
  uniform(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }
}

/** The sample described by `spec`, identical to generate.py's `sample(spec)`. */
export function sample(spec: SampleSpec): Float64Array {
  const g = new XorShift32(spec.seed);
  const out = new Float64Array(spec.n);
  for (let i = 0; i < spec.n; i++) {
    let z: number;
    if (spec.dist === 'normal') {
      let s = 0;
      for (let k = 0; k < 12; k++) s += g.uniform();
      z = s - 6;
    } else if (spec.dist === 'uniform') {
      z = g.uniform();
    } else {
      z = Math.floor(g.uniform() * (spec.levels ?? 10));
    }
    out[i] = spec.loc + spec.scale * z;
  }
  return out;
}
