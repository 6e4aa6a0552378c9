import { describe, expect, it } from 'vitest';
import { kstwoCdf, kstwoSf } from './kstwo.js';
import { smirnovSf } from './smirnov.js';
import { expectClose, unwrap, vectors } from './testdata/vectors.js';

interface Row { n: number; x: number; sf: number; cdf: number; smirnov: number }
const rows: Row[] = vectors.kstwo;

describe('kstwo and smirnov distributions', () => {
  it('kstwoSf agrees with scipy.stats.kstwo.sf to 1e-9 relative across all Simard–L\'Ecuyer branches', () => {
    for (const r of rows) {
      if (r.sf > 1e-300) expectClose(unwrap(kstwoSf(r.x, r.n)).value, r.sf, 1e-9, 0, `sf(${r.x}, ${r.n})`);
      else expect(unwrap(kstwoSf(r.x, r.n)).value).toBeLessThan(1e-290);
    }
  });

  it('kstwoCdf agrees with scipy.stats.kstwo.cdf to 1e-9 relative', () => {
    for (const r of rows) {
      if (r.cdf > 1e-300) expectClose(unwrap(kstwoCdf(r.x, r.n)).value, r.cdf, 1e-9, 0, `cdf(${r.x}, ${r.n})`);
    }
  });

  it('smirnovSf agrees with scipy.special.smirnov to 1e-9 relative', () => {
    for (const r of rows) {
      if (r.smirnov > 1e-300) expectClose(unwrap(smirnovSf(r.n, r.x)).value, r.smirnov, 1e-9, 0, `smirnov(${r.n}, ${r.x})`);
    }
  });

  it('the support ends are exact: sf is 1 at or below 1/(2n) and 0 at 1', () => {
    expect(unwrap(kstwoSf(0.5 / 7, 7)).value).toBe(1);
    expect(unwrap(kstwoSf(0, 7)).value).toBe(1);
    expect(unwrap(kstwoSf(1, 7)).value).toBe(0);
  });

  it('a non-integer size is rejected rather than producing NaN', () => {
    expect(kstwoSf(0.3, 2.5)).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(smirnovSf(5, 1.5)).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(kstwoSf(NaN, 5)).toMatchObject({ ok: false, reason: 'non_finite_input' });
  });
});
