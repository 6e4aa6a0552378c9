/**
 * The `drift_results` table as readers outside drift/ (dashboards, alerting) rely on it: rows whose
 * method is in this set decide by a p-value below the threshold; every other method by a distance
 * at or above it.
 */
export const P_VALUE_METHODS: ReadonlySet<string> = new Set(['ks', 'chi2', 'mmd']);

/**
 * Features of whole-vector results: `@multivariate` (methods pca_error, mmd) and `@embedding:<name>`
 * (methods mmd, distance, ratio). pca_error's value is the window's mean reconstruction error and
 * drifts outside a band [lower, threshold]; its `drifted` column is authoritative (an error below
 * the band is drift too).
 */
export const MULTIVARIATE_FEATURE = '@multivariate';
export const EMBEDDING_FEATURE_PREFIX = '@embedding:';
