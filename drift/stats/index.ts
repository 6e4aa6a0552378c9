/** Public API of the drift statistics layer; see README.md for the conventions. */
export { insufficient, ok, type Insufficient, type InsufficientReason, type Ok, type StatResult } from './result.js';
export { chi2Sf, gammaP, gammaQ, lgamma } from './special.js';
export { kstwoCdf, kstwoSf } from './kstwo.js';
export { smirnovSf } from './smirnov.js';
export { KS_MAX_AUTO_N, ks2Samp, ksPValue, ksStatistic, roundHalfEven, type KsMethod, type KsPValue, type KsResult } from './ks.js';
export { populationStd, wasserstein1, wassersteinFromQuantiles, wassersteinNormalized, type QuantileW1 } from './wasserstein.js';
export {
  DEFAULT_BINS,
  alignCategories,
  binCounts,
  binIndex,
  countCategories,
  quantileEdges,
  quantileLinearSorted,
  type AlignedCategories,
  type CategoryCounts,
} from './binning.js';
export { PSI_EPSILON, psiCategorical, psiFromCounts, psiNumeric, type PsiResult } from './psi.js';
export { jsCategorical, jsDistanceFromCounts, jsNumeric } from './js.js';
export { chi2Categorical, chi2Homogeneity, type Chi2Result } from './chi2.js';
export { benjaminiHochberg, bonferroni } from './multiple.js';
export { RARE_CATEGORIES, poolSparseCategories, type PooledCategories } from './sparse.js';
export {
  CBPE_METRICS,
  calibrate,
  estimatePerformance,
  fitCalibrator,
  fitIsotonic,
  fitPlatt,
  realisedMetrics,
  type Calibrator,
  type CbpeEstimate,
  type CbpeMetric,
  type Metrics,
} from './cbpe.js';
export * from './pca.js';
export * from './mmd.js';
export * from './embedding.js';
