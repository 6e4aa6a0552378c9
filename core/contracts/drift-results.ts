/**
 * The `drift_results` table as readers outside drift/ (dashboards, alerting) rely on it: rows whose
 * method is in this set decide by a p-value below the threshold; every other method by a distance
 * at or above it.
 */
export const P_VALUE_METHODS: ReadonlySet<string> = new Set(['ks', 'chi2']);
