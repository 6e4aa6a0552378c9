/**
 * The Prometheus Operator's ServiceMonitor (a CRD, so kubernetes-models has no class for it): a
 * typed plain object, and a structural check of the fields this stack uses against the CRD's
 * schema (monitoring.coreos.com/v1: spec.selector, spec.endpoints[].port|path|interval|scheme).
 */
export interface ServiceMonitorObject {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: { name: string; labels?: Record<string, string>; namespace?: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string; interval: string; scheme: 'http' | 'https'; scrapeTimeout?: string }[];
    namespaceSelector?: { matchNames: string[] };
  };
}

const DURATION = /^(0|([0-9]+(\.[0-9]+)?(ms|s|m|h))+)$/; // the CRD's Duration pattern
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Problems with a ServiceMonitor, each naming its path; empty when it is well-formed. */
export function serviceMonitorProblems(o: unknown): string[] {
  const p: string[] = [];
  const sm = o as Partial<ServiceMonitorObject>;
  if (sm.apiVersion !== 'monitoring.coreos.com/v1') p.push(`apiVersion must be monitoring.coreos.com/v1, got ${String(sm.apiVersion)}`);
  if (sm.kind !== 'ServiceMonitor') p.push(`kind must be ServiceMonitor, got ${String(sm.kind)}`);
  if (!sm.metadata?.name || !DNS_LABEL.test(sm.metadata.name)) p.push('metadata.name must be a DNS label');
  const sel = sm.spec?.selector?.matchLabels;
  if (!sel || Object.keys(sel).length === 0) p.push('spec.selector.matchLabels must select the Services (an empty selector matches every Service)');
  for (const k of Object.keys(sel ?? {})) if (!LABEL_KEY.test(k)) p.push(`spec.selector.matchLabels: bad label key ${k}`);
  const eps = sm.spec?.endpoints;
  if (!Array.isArray(eps) || eps.length === 0) p.push('spec.endpoints must list at least one endpoint');
  (eps ?? []).forEach((e, i) => {
    if (!e.port || !DNS_LABEL.test(e.port)) p.push(`spec.endpoints[${i}].port must name a Service port`);
    if (!e.path?.startsWith('/')) p.push(`spec.endpoints[${i}].path must be absolute`);
    if (!DURATION.test(e.interval ?? '')) p.push(`spec.endpoints[${i}].interval is not a duration: ${String(e.interval)}`);
    if (e.scrapeTimeout !== undefined && !DURATION.test(e.scrapeTimeout)) p.push(`spec.endpoints[${i}].scrapeTimeout is not a duration`);
    if (e.scheme !== 'http' && e.scheme !== 'https') p.push(`spec.endpoints[${i}].scheme must be http or https`);
    const extra = Object.keys(e).filter((k) => !['port', 'path', 'interval', 'scheme', 'scrapeTimeout'].includes(k));
    if (extra.length) p.push(`spec.endpoints[${i}]: fields not checked here: ${extra.join(', ')}`);
  });
  return p;
}

/** Scrapes /metrics of every role's Service (they share the label app.kubernetes.io/name=mlobs and the port "http"). */
export function serviceMonitor(): { toJSON(): ServiceMonitorObject; validate(): void } {
  const obj: ServiceMonitorObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'mlobs', labels: { 'app.kubernetes.io/name': 'mlobs', 'app.kubernetes.io/part-of': 'mlobs' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'mlobs' } },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s', scheme: 'http' }],
    },
  };
  return {
    toJSON: () => obj,
    validate: () => {
      const problems = serviceMonitorProblems(obj);
      if (problems.length) throw new Error(`ServiceMonitor ${obj.metadata.name}: ${problems.join('; ')}`);
    },
  };
}
