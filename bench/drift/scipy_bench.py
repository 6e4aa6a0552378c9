"""SciPy/NumPy side of `npm run bench:drift`: the same statistics as the drift report, on NumPy
arrays already in memory (loading is not timed). Conventions as drift/stats/README.md: KS
two-sided (method='auto'), Wasserstein-1 (exact) / population std, PSI and JS (base 2) on 10
reference-decile bins (numpy 'linear', right-closed, epsilon 1e-4 for PSI), chi-square
(chi2_contingency with Yates for dof 1) and PSI/JS over category counts.

usage: scipy_bench.py DIR   (DIR holds manifest.json and the exported columns); prints JSON.
"""
import json
import os
import sys
import time

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon


def psi(r, c, eps=1e-4):
    p = r / r.sum()
    q = c / c.sum()
    p = np.where(r == 0, eps, p)
    q = np.where(c == 0, eps, q)
    return float(np.sum((q - p) * np.log(q / p)))


def numeric(ref, cur):
    out = {}
    ks = stats.ks_2samp(ref, cur)
    out["ks"] = [float(ks.statistic), float(ks.pvalue)]
    out["wasserstein"] = float(stats.wasserstein_distance(ref, cur) / np.std(ref))
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    rc = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    out["psi"] = psi(rc, cc)
    out["js"] = float(jensenshannon(rc, cc, base=2))
    return out


def categorical(ref, cur):
    cats, inv = np.unique(np.concatenate([ref, cur]), return_inverse=True)
    rc = np.bincount(inv[: len(ref)], minlength=len(cats))
    cc = np.bincount(inv[len(ref):], minlength=len(cats))
    chi = stats.chi2_contingency(np.array([rc, cc]))
    return {"chi2": [float(chi.statistic), float(chi.pvalue)], "psi": psi(rc, cc), "js": float(jensenshannon(rc, cc, base=2))}


def main():
    d = sys.argv[1]
    m = json.load(open(os.path.join(d, "manifest.json")))
    data = {}
    for f in m["numeric"]:
        data[f] = [np.fromfile(os.path.join(d, f"{f}.{s}.bin"), dtype="<f8") for s in ("ref", "cur")]
    for f in m["categorical"]:
        data[f] = [np.array(open(os.path.join(d, f"{f}.{s}.txt")).read().split("\n")[:-1]) for s in ("ref", "cur")]
    t0 = time.perf_counter()
    results = {f: numeric(*data[f]) for f in m["numeric"]}
    results.update({f: categorical(*data[f]) for f in m["categorical"]})
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "results": results, "numpy": np.__version__, "scipy": __import__("scipy").__version__}))


main()
