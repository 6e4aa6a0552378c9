"""Reference values for drift/stats/pca.ts and mmd.ts (and the in-database multivariate pass).

Reads one JSON object on stdin, writes one on stdout:
  {"pca": {"reference": [[...]], "windows": [[[...]], ...], "share": 0.65}}
     -> {"pca": {"kept": k, "errors": [mean error of each window], "ratios": [...]}}
     (sklearn StandardScaler fitted on the reference, then sklearn.decomposition.PCA(n_components=share),
      error = mean Euclidean norm of z - inverse_transform(transform(z)), as NannyML; a missing value
      (null) is left out of the scaler's mean and std and imputed as the reference mean, z = 0)
  {"mmd": {"x": [[...]], "y": [[...]], "permutations": B, "seed": s}}
     -> {"mmd": {"mmd2": ..., "sigma": ..., "p_value": ...}}
     (alibi-detect's MMDDrift definitions, in NumPy: RBF kernel, sigma from the median heuristic on
      the x-y squared distances, zero diagonal, p = mean(mmd2 <= permuted mmd2) over B NumPy permutations)
  {"ks": {"x": [[...]], "y": [[...]]}}
     -> {"ks": {"statistics": [...], "p_values": [...]}}
     (per column scipy.stats.ks_2samp(x[:, j], y[:, j], method="asymp"), as embedding drift's `ratio`)
  {"means": {"x": [[...]], "y": [[...]]}}
     -> {"means": {"euclidean": ..., "cosine": ...}}
     (distance between the column means, as embedding drift's `distance`)
"""
import json
import sys

import numpy as np


def pca(spec):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    ref = np.asarray(spec["reference"], dtype=np.float64)
    scaler = StandardScaler().fit(ref)

    def scaled(x):
        return np.nan_to_num(scaler.transform(np.asarray(x, dtype=np.float64)), nan=0.0)

    model = PCA(n_components=spec["share"], svd_solver="full").fit(scaled(ref))

    def err(x):
        z = scaled(x)
        return float(np.mean(np.linalg.norm(z - model.inverse_transform(model.transform(z)), axis=1)))

    return {"kept": int(model.n_components_), "ratios": model.explained_variance_ratio_.tolist(), "errors": [err(w) for w in spec["windows"]]}


def mmd2_from_kernel(k, m, perm=None):
    if perm is not None:
        k = k[perm][:, perm]
    n = k.shape[0] - m
    kxx, kyy, kxy = k[:-m, :-m], k[-m:, -m:], k[-m:, :-m]
    return kxx.sum() / (n * (n - 1)) + kyy.sum() / (m * (m - 1)) - 2.0 * kxy.mean()


def mmd(spec):
    x = np.asarray(spec["x"], dtype=np.float64)
    y = np.asarray(spec["y"], dtype=np.float64)
    cross = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    n_median = cross.size // 2 - 1
    sigma = float(np.sqrt(0.5 * np.sort(cross.ravel())[n_median]))
    z = np.concatenate([x, y])
    d = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    k = np.exp(-d / (2.0 * sigma**2))
    k = k - np.diag(np.diag(k))
    m = y.shape[0]
    stat = mmd2_from_kernel(k, m)
    rng = np.random.default_rng(spec["seed"])
    perms = [mmd2_from_kernel(k, m, rng.permutation(k.shape[0])) for _ in range(spec["permutations"])]
    return {"mmd2": float(stat), "sigma": sigma, "p_value": float(np.mean(stat <= np.asarray(perms)))}


def ks(spec):
    from scipy.stats import ks_2samp

    x = np.asarray(spec["x"], dtype=np.float64)
    y = np.asarray(spec["y"], dtype=np.float64)
    res = [ks_2samp(x[:, j], y[:, j], method="asymp") for j in range(x.shape[1])]
    return {"statistics": [float(r.statistic) for r in res], "p_values": [float(r.pvalue) for r in res]}


def means(spec):
    a = np.asarray(spec["x"], dtype=np.float64).mean(axis=0)
    b = np.asarray(spec["y"], dtype=np.float64).mean(axis=0)
    cos = float(a @ b / np.sqrt((a @ a) * (b @ b)))
    return {"euclidean": float(np.linalg.norm(a - b)), "cosine": 1.0 - cos}


def main():
    spec = json.load(sys.stdin)
    out = {}
    if "pca" in spec:
        out["pca"] = pca(spec["pca"])
    if "mmd" in spec:
        out["mmd"] = mmd(spec["mmd"])
    if "ks" in spec:
        out["ks"] = ks(spec["ks"])
    if "means" in spec:
        out["means"] = means(spec["means"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
