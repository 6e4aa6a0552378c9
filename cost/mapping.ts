import type { CostConfig } from './config.js';
import { labelValue } from './labels.js';

interface Rule {
  namespace?: string;
  pod?: string;
  deployment?: string;
  labels?: Record<string, string>;
}

/** A pod's labels as its series carry them (names sanitised the Prometheus way); {} when none. */
export type PodLabels = Readonly<Record<string, string>>;

function matcher(rule: Rule): (namespace: string, pod: string, labels: PodLabels) => boolean {
  const labels = Object.entries(rule.labels ?? {});
  const podRe = rule.pod !== undefined ? new RegExp(rule.pod) : null;
  // A Deployment's pods are named <deployment>-<pod-template-hash>-<random suffix>.
  const deployRe = rule.deployment !== undefined ? new RegExp(`^${rule.deployment.replace(/[.]/g, '\\.')}-[a-z0-9]+-[a-z0-9]+$`) : null;
  return (namespace, pod, podLabels) =>
    (rule.namespace === undefined || rule.namespace === namespace) &&
    (!podRe || podRe.test(pod)) &&
    (!deployRe || deployRe.test(pod)) &&
    labels.every(([k, v]) => labelValue(podLabels, k) === v);
}

/** Maps a pod (namespace, name) to its team and to the model it serves; null when no rule covers it. */
export interface PodMapper {
  team(namespace: string, pod: string, labels?: PodLabels): string | null;
  model(namespace: string, pod: string, labels?: PodLabels): string | null;
}

/** Builds the mapper from config: team rules, then byNamespace; model entries in order. First match wins. */
export function podMapper(cfg: Pick<CostConfig, 'teams' | 'models'>): PodMapper {
  const teamRules = cfg.teams.rules.map((r) => ({ value: r.team, match: matcher(r) }));
  const modelRules = cfg.models.map((r) => ({ value: r.model, match: matcher(r) }));
  const byNamespace = new Map(Object.entries(cfg.teams.byNamespace));
  return {
    team: (ns, pod, labels = {}) => teamRules.find((r) => r.match(ns, pod, labels))?.value ?? byNamespace.get(ns) ?? null,
    model: (ns, pod, labels = {}) => modelRules.find((r) => r.match(ns, pod, labels))?.value ?? null,
  };
}
