#!/usr/bin/env python3
"""Reference vectors for drift/stats, computed with SciPy/NumPy (and mpmath where noted).

Run from the repository root:  python3 drift/stats/testdata/generate.py
Writes drift/stats/testdata/vectors.json. Deterministic: fixed seeds, and large samples are
stored as generator parameters (`gen`) that prng.ts regenerates bit-identically, keeping the
file small. The tests read only the JSON; they never need Python.
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import scipy.special as sp
from scipy import stats
from scipy.spatial.distance import jensenshannon
from scipy.stats import distributions
from scipy.stats._stats_py import _attempt_exact_2kssamp

try:
    import mpmath
except ImportError:  # optional: only adds high-precision gamma references
    mpmath = None

HERE = os.path.dirname(os.path.abspath(__file__))
PSI_EPSILON = 1e-4  # must match psi.ts PSI_EPSILON
DEFAULT_BINS = 10  # must match binning.ts DEFAULT_BINS


# ---------------------------------------------------------------- deterministic samples (prng.ts)
def xorshift32(seed):
    s = (seed & 0xFFFFFFFF) or 0x9E3779B9
    while True:
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        yield s


def sample(spec):
    g = xorshift32(spec["seed"])
    u = lambda: (next(g) + 0.5) / 4294967296.0
    out = np.empty(spec["n"])
    for i in range(spec["n"]):
        if spec["dist"] == "normal":
            s = 0.0
            for _ in range(12):
                s += u()
            z = s - 6.0
        elif spec["dist"] == "uniform":
            z = u()
        else:
            z = float(math.floor(u() * spec.get("levels", 10)))
        out[i] = spec["loc"] + spec["scale"] * z
    return out


def gen(seed, n, dist="normal", loc=0.0, scale=1.0, levels=None):
    spec = {"seed": seed, "n": n, "dist": dist, "loc": float(loc), "scale": float(scale)}
    if levels is not None:
        spec["levels"] = levels
    return spec


def materialise(side):
    """A sample given either explicitly (list) or as a generator spec (dict)."""
    return np.asarray(side, dtype=float) if isinstance(side, list) else sample(side)


def f(x):
    """JSON-safe float (the tests never see NaN/inf from SciPy here; guard anyway)."""
    x = float(x)
    assert math.isfinite(x), x
    return x


# ---------------------------------------------------------------- special functions
def special_vectors():
    cases = []
    for a in [0.5, 1, 1.5, 2, 3.5, 5, 10, 20, 20.5, 50, 100, 150, 199.5, 200, 250, 500, 1000, 2500, 5000]:
        xs = [a * r for r in [1e-6, 0.01, 0.1, 0.5, 0.8, 0.95, 1, 1.05, 1.2, 1.5, 2, 3, 5]]
        xs += [a + z * math.sqrt(a) for z in [-30, -10, -3, -1, 1, 3, 10, 20, 30, 37]]
        for x in xs:
            if x > 0:
                cases.append((float(a), float(x)))
    cases += [(0.5, 1e-300), (0.5, 1e-10), (0.5, 0.3), (0.5, 0.75), (0.5, 1.0), (0.5, 600.0), (1.0, 700.0), (3.0, 700.0)]
    out = []
    for a, x in cases:
        row = {"a": a, "x": x, "P": f(sp.gammainc(a, x)), "Q": f(sp.gammaincc(a, x)), "lgamma": f(sp.gammaln(a))}
        if mpmath is not None:
            mpmath.mp.dps = 50
            try:
                q = mpmath.gammainc(mpmath.mpf(a), mpmath.mpf(x), mpmath.inf, regularized=True)
                row["Q_mp"] = float(q)
                row["P_mp"] = float(1 - q) if q < 0.5 else float(mpmath.gammainc(mpmath.mpf(a), 0, mpmath.mpf(x), regularized=True))
            except Exception:  # mpmath's series gives up on a few huge a; SciPy values remain
                pass
        out.append(row)
    chi2 = []
    for k in [1, 2, 3, 4, 5, 9, 10, 19, 50, 99, 1000]:
        for x in [1e-8, 0.001, 0.1, 0.5, 1, 2, 3.84, 5, 10, 20, 50, 100, 200, 500, 1000, 1300, 2000]:
            chi2.append({"x": x, "k": k, "sf": f(stats.chi2.sf(x, k))})
    return {"gamma": out, "chi2sf": chi2}


# ---------------------------------------------------------------- KS
def scipy_ks_pvalue(d, n1, n2, method="auto"):
    """The tail of scipy.stats.ks_2samp (two-sided), verbatim, from the statistic and sizes."""
    MAX_AUTO_N = 10000
    g = math.gcd(n1, n2)
    mode = method
    if mode == "auto":
        mode = "exact" if max(n1, n2) <= MAX_AUTO_N else "asymp"
    elif mode == "exact":
        if n1 // g >= np.iinfo(np.int32).max / (n2 // g):
            mode = "asymp"
    if mode == "exact":
        success, d, prob = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
        if not success:
            mode = "asymp"
    if mode == "asymp":
        m, n = sorted([float(n1), float(n2)], reverse=True)
        en = m * n / (m + n)
        prob = distributions.kstwo.sf(d, np.round(en))
    return float(d), float(np.clip(prob, 0, 1)), mode


def kstwo_vectors():
    rng = np.random.default_rng(20240607)
    out = []
    for n in [1, 2, 3, 5, 10, 20, 50, 100, 139, 140, 141, 200, 500, 1000, 5000, 8571, 10000, 100000, 100001, 500000, 2000000]:
        xs = list(rng.uniform(0, 1, 3))
        xs += list(np.sqrt(rng.uniform(0.01, 20, 6) / n)) + list(np.sqrt(rng.uniform(20, 340, 4) / n))
        xs += [0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.49, 0.5, (n - 1) / n if n > 1 else 0.3, 0.999]
        for x in xs:
            x = float(x)
            if 0 < x < 1:
                out.append({"n": n, "x": x, "sf": f(stats.kstwo.sf(x, n)), "cdf": f(stats.kstwo.cdf(x, n)), "smirnov": f(sp.smirnov(n, x))})
    return out


def ks_vectors():
    cases = []

    def add(name, x, y):
        a, b = materialise(x), materialise(y)
        r = stats.ks_2samp(a, b)  # method='auto'
        d, p, mode = scipy_ks_pvalue(float(r.statistic), len(a), len(b))
        assert d == float(r.statistic) and p == float(r.pvalue), (name, d, p, r)
        cases.append({"name": name, "x": x, "y": y, "statistic": f(r.statistic), "pvalue": f(r.pvalue),
                      "location": f(r.statistic_location), "sign": int(r.statistic_sign), "method": mode})

    add("tiny 1 vs 1 different", [0.0], [1.0])
    add("tiny 1 vs 1 equal", [2.0], [2.0])
    add("tiny 3 vs 2", [0.1, 0.5, 0.9], [0.4, 0.45])
    add("ties across samples", [1, 1, 2, 2, 3, 3, 3], [1, 2, 2, 2, 4])
    add("all ties identical", [5, 5, 5, 5], [5, 5, 5])
    add("identical samples", gen(1, 200), gen(1, 200))
    add("totally separated n=m", gen(2, 50, loc=0), gen(3, 50, loc=100))
    add("totally separated n!=m", gen(4, 60, "uniform"), gen(5, 45, "uniform", loc=2))
    add("separated second below", gen(6, 30, "uniform", loc=5), gen(7, 40, "uniform"))
    add("same dist n=m 100", gen(8, 100), gen(9, 100))
    add("shift n!=m 105 vs 95", gen(10, 105, loc=0.5), gen(11, 95))
    add("grid ties n!=m", gen(12, 300, "grid", levels=7), gen(13, 250, "grid", levels=7))
    add("grid ties shifted", gen(14, 400, "grid", levels=12), gen(15, 350, "grid", loc=1, levels=12))
    add("scale change", gen(16, 1000), gen(17, 800, scale=1.3))
    add("near p=1", gen(18, 2000), gen(19, 1500))
    add("exact path large n!=m", gen(20, 10000), gen(21, 9999, loc=0.02))
    add("exact path large n=m", gen(22, 10000), gen(23, 10000, loc=0.03))
    add("exact tiny p", gen(24, 3000), gen(25, 2000, loc=0.5))
    add("asymp 20000 vs 15000 same", gen(26, 20000), gen(27, 15000))
    add("asymp 20000 vs 15000 shifted", gen(28, 20000), gen(29, 15000, loc=0.05))
    add("asymp 10001 vs 300", gen(30, 10001), gen(31, 300, loc=0.1))
    add("asymp 12000 vs 40 small en", gen(32, 12000), gen(33, 40, loc=0.3))
    add("asymp odd equal halves", gen(34, 10001, "uniform"), gen(35, 10001, "uniform"))
    add("asymp tiny p", gen(36, 20000), gen(37, 15000, loc=0.2))

    # p-value from (d, n, m) only, across all code paths of exact and kstwo.sf.
    rng = np.random.default_rng(99)
    pv = []
    sizes = [(1, 1), (1, 7), (2, 2), (3, 5), (10, 10), (7, 13), (40, 60), (100, 100), (99, 100), (250, 400),
             (1000, 1000), (1000, 999), (3000, 7000), (10000, 10000), (10000, 9999), (10000, 10001),
             (10001, 1), (10001, 2), (12000, 100), (12000, 141), (20000, 15000), (20001, 20001),
             (60000, 50000), (300000, 250000), (1000000, 1000000), (5000000, 4000000)]
    for n1, n2 in sizes:
        g = math.gcd(n1, n2)
        lcm = (n1 // g) * n2
        en = n1 * n2 / (n1 + n2)
        ds = [0.0, 1.0]
        # D over the whole range and concentrated where the p-value moves (d ~ c / sqrt(en))
        ds += list(rng.uniform(0, 1, 3)) + list(np.minimum(1, rng.uniform(0.2, 6, 8) / math.sqrt(en)))
        for d in ds:
            d = round(float(d) * lcm) / lcm  # a D that two samples of these sizes can produce
            exp_d, p, mode = scipy_ks_pvalue(d, n1, n2)
            if max(n1, n2) <= 10000 and n1 != n2 and n1 * n2 > 5e7 and 0.01 < d < 0.99:
                continue  # keep the slow O(n·m) exact cases few; the sample cases cover them
            pv.append({"d": d, "n": n1, "m": n2, "pvalue": f(p), "statistic": f(exp_d), "method": mode})
    # the asymptotic branch for sizes the exact method could handle, via method='asymp'
    asymp = []
    for n1, n2, d in [(100, 80, 0.2), (500, 500, 0.05), (3000, 2000, 0.04), (50, 60, 0.5)]:
        r = stats.ks_2samp(*(np.linspace(0, 1, n1), np.linspace(d, 1 + d, n2)), method="asymp")
        _, p, mode = scipy_ks_pvalue(float(r.statistic), n1, n2, "asymp")
        assert p == float(r.pvalue)
        asymp.append({"d": f(r.statistic), "n": n1, "m": n2, "pvalue": p})
    return {"samples": cases, "pvalue": pv, "asymp": asymp}


# ---------------------------------------------------------------- Wasserstein
def wasserstein_vectors():
    out = []

    def add(name, u, v, levels=100):
        a, b = materialise(u), materialise(v)
        w = stats.wasserstein_distance(a, b)
        ps = np.arange(levels + 1) / levels
        qa, qb = np.quantile(a, ps), np.quantile(b, ps)
        dp = np.diff(ps)
        trap = float(np.sum(dp * (np.abs(qa[:-1] - qb[:-1]) + np.abs(qa[1:] - qb[1:])) / 2))
        std = float(np.std(a))
        out.append({"name": name, "u": u, "v": v, "w1": f(w), "refStd": f(std),
                    "normalized": f(w / std) if std > 0 else None, "levels": levels, "quantileTrapezoid": trap})

    add("tiny", [0.0, 1.0, 3.0], [5.0, 6.0, 8.0])
    add("single points", [1.0], [4.5])
    add("ties", [1, 1, 1, 2, 5], [1, 2, 2, 2])
    add("identical", gen(40, 300), gen(40, 300))
    add("constant reference", [3.0, 3.0, 3.0], [3.0, 4.0])
    add("shift 1000 vs 700", gen(41, 1000), gen(42, 700, loc=0.7))
    add("scale 20000 vs 15000", gen(43, 20000, scale=2), gen(44, 15000, scale=3))
    add("grid ties 5000 vs 4000", gen(45, 5000, "grid", levels=9), gen(46, 4000, "grid", loc=0.5, levels=9))
    add("uniform far apart", gen(47, 800, "uniform"), gen(48, 900, "uniform", loc=10, scale=2))
    return out


# ---------------------------------------------------------------- binning, PSI, JS
def edges_of(ref, bins):
    qs = np.quantile(ref, np.arange(1, bins) / bins)  # method='linear' (numpy default)
    edges = []
    for e in qs:
        if not edges or e != edges[-1]:
            edges.append(float(e))
    return edges


def counts_of(values, edges):
    idx = np.searchsorted(np.asarray(edges), values, side="left")  # right-closed bins
    return np.bincount(idx, minlength=len(edges) + 1).astype(int).tolist()


def psi_from_counts(r, c):
    r = np.asarray(r, float)
    c = np.asarray(c, float)
    rp = r / r.sum()
    cp = c / c.sum()
    rp = np.where(r == 0, PSI_EPSILON, rp)
    cp = np.where(c == 0, PSI_EPSILON, cp)
    return float(np.sum((cp - rp) * np.log(cp / rp)))


def binned_vectors():
    num = []

    def add(name, ref, cur, bins=DEFAULT_BINS):
        a, b = materialise(ref), materialise(cur)
        edges = edges_of(a, bins)
        rc, cc = counts_of(a, edges), counts_of(b, edges)
        num.append({"name": name, "ref": ref, "cur": cur, "bins": bins, "edges": edges,
                    "refCounts": rc, "curCounts": cc, "psi": psi_from_counts(rc, cc),
                    "js": f(jensenshannon(rc, cc, base=2))})

    add("tiny reference", [0.0, 10.0], [5.0, 5.0, 20.0])
    add("reference ties collapse edges", [0, 0, 0, 0, 0, 0, 1, 2, 3, 4], [0, 1, 1, 5, -1])
    add("edge values land in lower bin", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 3, 3, 11, 12])
    add("identical", gen(50, 1000), gen(50, 1000))
    add("same distribution", gen(51, 5000), gen(52, 4000))
    add("shift", gen(53, 5000), gen(54, 3000, loc=0.5))
    add("outside reference range", gen(55, 2000, "uniform"), gen(56, 1000, "uniform", loc=0.5, scale=2))
    add("empty bins in current", gen(57, 3000), gen(58, 500, loc=3))
    add("grid ties", gen(59, 4000, "grid", levels=4), gen(60, 4000, "grid", levels=6))
    add("20 bins", gen(61, 10000), gen(62, 8000, scale=1.2), bins=20)
    add("5 bins", gen(63, 777), gen(64, 555, loc=-0.3), bins=5)

    cat = []

    def addc(name, ref, cur):
        keys = list(ref.keys()) + [k for k in cur.keys() if k not in ref]
        keys = [k for k in keys if ref.get(k, 0) != 0 or cur.get(k, 0) != 0]
        r = [ref.get(k, 0) for k in keys]
        c = [cur.get(k, 0) for k in keys]
        table = np.array([r, c])
        if len(keys) >= 2:
            chi = stats.chi2_contingency(table, correction=True)
            chi2 = {"statistic": f(chi.statistic), "dof": int(chi.dof), "pvalue": f(chi.pvalue)}
        else:
            chi2 = {"statistic": 0.0, "dof": 0, "pvalue": 1.0}
        cat.append({"name": name, "ref": ref, "cur": cur, "categories": keys,
                    "unseen": [k for k in cur if k not in ref and cur[k] > 0],
                    "psi": psi_from_counts(r, c), "js": f(jensenshannon(r, c, base=2)), "chi2": chi2})

    addc("same proportions", {"a": 10, "b": 20, "c": 30}, {"a": 20, "b": 40, "c": 60})
    addc("shifted", {"a": 500, "b": 300, "c": 200}, {"a": 300, "b": 300, "c": 400})
    addc("unseen category in current", {"a": 50, "b": 50}, {"a": 40, "b": 45, "new": 15})
    addc("category vanished", {"a": 50, "b": 30, "gone": 20}, {"a": 60, "b": 40})
    addc("zero on both sides dropped", {"a": 5, "b": 0, "c": 7}, {"a": 4, "b": 0, "c": 9, "d": 0})
    addc("two categories yates", {"yes": 30, "no": 70}, {"yes": 45, "no": 55})
    addc("yates small diff capped", {"x": 10, "y": 10}, {"x": 10, "y": 11})
    addc("single category", {"only": 10}, {"only": 25})
    addc("disjoint supports", {"a": 10, "b": 5}, {"c": 7, "d": 9})
    addc("tiny p", {"a": 5000, "b": 5000, "c": 10}, {"a": 2000, "b": 7000, "c": 900})
    rng = np.random.default_rng(7)
    for i, k in enumerate([3, 8, 25, 120]):
        ref = {f"c{j}": int(v) for j, v in enumerate(rng.poisson(50, k))}
        cur = {f"c{j}": int(v) for j, v in enumerate(rng.poisson(50, k) + (np.arange(k) % 3) * i)}
        cur[f"new{i}"] = 3
        addc(f"random {k} categories", ref, cur)
    return {"numeric": num, "categorical": cat}


# ---------------------------------------------------------------- multiple testing
def multiple_vectors():
    rng = np.random.default_rng(11)
    vecs = [[0.5, 0.6, 0.1, 0.001], [0.01], [0.0, 1.0, 0.5, 0.5, 0.02], [0.3, 0.3, 0.3],
            [0.0021, 0.0044, 0.0058, 0.011, 0.013, 0.026, 0.031, 0.072, 0.081, 0.1, 0.45, 0.9]]
    vecs += [rng.uniform(0, 0.2, 30).tolist(), (rng.uniform(0, 1, 200) ** 3).tolist()]
    out = []
    for ps in vecs:
        m = len(ps)
        out.append({"p": ps, "bonferroni": [min(1.0, p * m) for p in ps],
                    "bh": [float(v) for v in np.atleast_1d(stats.false_discovery_control(ps, method="bh"))]})
    return out


def main():
    vectors = {
        "meta": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                 "mpmath": getattr(mpmath, "__version__", None), "psiEpsilon": PSI_EPSILON, "defaultBins": DEFAULT_BINS},
        "special": special_vectors(),
        "kstwo": kstwo_vectors(),
        "ks": ks_vectors(),
        "wasserstein": wasserstein_vectors(),
        "binned": binned_vectors(),
        "multiple": multiple_vectors(),
    }
    path = os.path.join(HERE, "vectors.json")
    with open(path, "w") as fh:
        json.dump(vectors, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
