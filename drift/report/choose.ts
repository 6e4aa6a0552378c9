/**
 * Which methods run for a feature, which one decides, and with what threshold.
 *
 * The default rule ('auto') is Evidently's (`get_default_stattest`), see README.md:
 *   numerical with more than lowCardinalityMax distinct values (pooled):
 *       reference values <= smallSampleMax → ks, else → wasserstein (normed)
 *   categorical, or numerical with at most lowCardinalityMax distinct values:
 *       reference values <= smallSampleMax → chi2, else → js
 * (Evidently uses a z-test instead of chi-square for two categories; we keep chi-square.)
 */
import { DRIFT_METHODS, type DriftConfig, type DriftMethod, type DriftModelConfig, type ThresholdSpec } from '../config.js';

export type MethodRequest = DriftMethod | 'auto';

/** Parses `ks,psi,auto`; throws on an unknown name. */
export function parseMethods(text: string): MethodRequest[] {
  const out: MethodRequest[] = [];
  for (const raw of text.split(',')) {
    const m = raw.trim().toLowerCase();
    if (!m) continue;
    if (m !== 'auto' && !(DRIFT_METHODS as readonly string[]).includes(m)) {
      throw new Error(`unknown method ${JSON.stringify(raw.trim())}; use ${[...DRIFT_METHODS, 'auto'].join(', ')}`);
    }
    if (!out.includes(m as MethodRequest)) out.push(m as MethodRequest);
  }
  if (out.length === 0) throw new Error('methods is empty');
  return out;
}

/** The default method for a feature (Evidently's rule above). */
export function defaultMethod(treatAs: 'numerical' | 'categorical', referenceValues: number, cfg: Pick<DriftConfig, 'smallSampleMax'>): DriftMethod {
  const small = referenceValues <= cfg.smallSampleMax;
  if (treatAs === 'numerical') return small ? 'ks' : 'wasserstein';
  return small ? 'chi2' : 'js';
}

/**
 * The ordered methods for one feature: the requested list with 'auto' replaced by the feature's
 * override method (config `features.<name>.method`) or the default. The first applicable one decides.
 */
export function methodsFor(requested: MethodRequest[], override: DriftMethod | undefined, fallback: DriftMethod): DriftMethod[] {
  const out: DriftMethod[] = [];
  for (const m of requested) {
    const concrete = m === 'auto' ? (override ?? fallback) : m;
    if (!out.includes(concrete)) out.push(concrete);
  }
  return out;
}

/** Threshold of a method for a feature: feature override (for its deciding method) > model > global. */
export function thresholdFor(
  method: DriftMethod,
  cfg: DriftConfig,
  model: DriftModelConfig | undefined,
  feature: string,
  deciding: boolean,
): ThresholdSpec {
  const f = model?.features[feature];
  if (deciding && f?.threshold !== undefined) return f.threshold;
  return model?.thresholds?.[method] ?? cfg.thresholds[method];
}
