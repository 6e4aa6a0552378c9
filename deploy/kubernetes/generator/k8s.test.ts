import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../app/config.js';
import { ROLES } from './base.js';
import { validateObject, writeKubernetes } from './build.js';
import { kustomizeProblems, render, type K8sObject } from './kustomize.js';
import { serviceMonitorProblems } from './servicemonitor.js';

const DIR = 'deploy/kubernetes';
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
const generated = (dir: string) => files(dir).map((f) => relative(dir, f)).filter((f) => /^(base|overlays|rendered)\//.test(f)).sort();

const base = render(join(DIR, 'base'));
const production = render(join(DIR, 'overlays/production'));
const find = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o as any;
};

describe('deploy/kubernetes', () => {
  it('is exactly what the generator writes (the golden files): rebuild with `npm run k8s:build` after changing deploy/kubernetes/generator', () => {
    const out = mkdtempSync(join(tmpdir(), 'mlobs-k8s-'));
    writeKubernetes(out);
    expect(generated(out)).toEqual(generated(DIR));
    for (const f of generated(out)) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(DIR, f), 'utf8'));
  });

  it('validates every object of the base and of the rendered production overlay against the Kubernetes OpenAPI schema', () => {
    expect(base.length).toBeGreaterThan(20);
    for (const o of [...base, ...production]) validateObject(o);
    // The validators are live: a port given as text is refused, naming the field.
    const broken = structuredClone(find(base, 'Deployment', 'mlobs-ingest'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(() => validateObject(broken)).toThrow(/containerPort must be integer/);
    const badHpa = structuredClone(find(base, 'HorizontalPodAutoscaler', 'mlobs-ingest'));
    delete badHpa.spec.maxReplicas;
    expect(() => validateObject(badHpa)).toThrow(/maxReplicas/);
  });

  it('checks the ServiceMonitor (a CRD object) by its structure', () => {
    expect(serviceMonitorProblems(find(base, 'ServiceMonitor', 'mlobs'))).toEqual([]);
    const sm = structuredClone(find(base, 'ServiceMonitor', 'mlobs'));
    sm.spec.endpoints[0].interval = '30 seconds';
    sm.spec.selector.matchLabels = {};
    expect(serviceMonitorProblems(sm)).toEqual([
      'spec.selector.matchLabels must select the Services (an empty selector matches every Service)',
      'spec.endpoints[0].interval is not a duration: 30 seconds',
    ]);
  });

  it('is valid kustomize input: every resource and patch exists, and every patch targets an object of the base', () => {
    expect(kustomizeProblems(join(DIR, 'base'))).toEqual([]);
    expect(kustomizeProblems(join(DIR, 'overlays/production'))).toEqual([]);
    const copy = mkdtempSync(join(tmpdir(), 'mlobs-k8s-'));
    cpSync(DIR, copy, { recursive: true });
    const kfile = join(copy, 'overlays/production/kustomization.yaml');
    const k = parseYaml(readFileSync(kfile, 'utf8'));
    k.patches[1].target.name = 'mlobs-injest';
    k.resources.push('../../base/missing.yaml');
    writeFileSync(kfile, stringify(k));
    expect(kustomizeProblems(join(copy, 'overlays/production'))).toEqual([
      'production/kustomization.yaml: resource ../../base/missing.yaml does not exist',
      'production/kustomization.yaml: patch ingest.yaml targets Deployment/mlobs-injest, which no resource defines',
      'production/kustomization.yaml: patch ingest.yaml is for Deployment/mlobs-ingest, not its target',
    ]);
  });

  it('runs each role as its own Deployment (detect with 2 replicas for failover), ingest scaled by an HPA on CPU', () => {
    for (const role of ROLES) {
      const d = find(base, 'Deployment', `mlobs-${role}`);
      const c = d.spec.template.spec.containers[0];
      expect(c.env).toContainEqual({ name: 'MLOBS_ROLES', value: role });
      expect(c.args).toEqual(['--config', '/etc/mlobs/mlobs.yaml']);
      expect(find(base, 'Service', `mlobs-${role}`).spec.selector).toEqual(d.spec.selector.matchLabels);
      expect(find(base, 'PodDisruptionBudget', `mlobs-${role}`).spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    }
    expect(find(base, 'Deployment', 'mlobs-detect').spec.replicas).toBe(2);
    expect(find(production, 'Deployment', 'mlobs-detect').spec.replicas).toBe(2);
    const hpa = find(base, 'HorizontalPodAutoscaler', 'mlobs-ingest');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'mlobs-ingest' });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(find(production, 'HorizontalPodAutoscaler', 'mlobs-ingest').spec).toMatchObject({ minReplicas: 3, maxReplicas: 20, metrics: hpa.spec.metrics });
  });

  it('runs every pod non-root on a read-only root filesystem with no capabilities, probed on /healthz and /readyz, with resource requests', () => {
    for (const objs of [base, production]) {
      for (const role of ROLES) {
        const pod = find(objs, 'Deployment', `mlobs-${role}`).spec.template.spec;
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        const c = pod.containers[0];
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(c.securityContext.runAsUser).toBeGreaterThan(0);
        expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
      }
    }
    expect(find(production, 'Deployment', 'mlobs-ingest').spec.template.spec.containers[0].image).toBe('registry.example.com/mlobs:0.1.0');
  });

  it('scrapes /metrics of every role through one ServiceMonitor, and lets only the scraper read EndpointSlices', () => {
    const sm = find(base, 'ServiceMonitor', 'mlobs');
    const selected = base.filter((o) => o.kind === 'Service' && Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => (o.metadata as any).labels?.[k] === v));
    expect(selected.map((s) => s.metadata.name).sort()).toEqual(ROLES.map((r) => `mlobs-${r}`).sort());
    for (const s of selected) expect((s as any).spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(sm.spec.endpoints[0].path).toBe('/metrics');
    const role = find(base, 'ClusterRole', 'mlobs-endpointslice-reader');
    expect(role.rules).toEqual([{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }]);
    const binding = find(base, 'ClusterRoleBinding', 'mlobs-scrape-endpointslices');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'mlobs-scrape', namespace: 'mlobs' }]);
    for (const r of ROLES) {
      const pod = find(production, 'Deployment', `mlobs-${r}`).spec.template.spec;
      expect([pod.serviceAccountName, pod.automountServiceAccountToken]).toEqual(r === 'scrape' ? ['mlobs-scrape', true] : ['mlobs', false]);
    }
  });

  it('denies all traffic by default and opens ingest, the read API, metrics and the backends', () => {
    const nps = base.filter((o) => o.kind === 'NetworkPolicy') as any[];
    const deny = nps.find((n) => n.metadata.name === 'mlobs-default-deny');
    expect(deny.spec).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mlobs' } }, policyTypes: ['Ingress', 'Egress'] });
    expect(nps.map((n) => n.metadata.name).sort()).toEqual(['mlobs-allow-backends', 'mlobs-allow-metrics', 'mlobs-default-deny', 'mlobs-detect', 'mlobs-ingest', 'mlobs-scrape']);
  });

  it('ships a config file mlobs accepts, single-server in the base and ON CLUSTER in the production overlay, with the token from the Secret', () => {
    const env = { MLOBS_AUTH_TOKEN: 'a-token-of-at-least-16-chars', CLICKHOUSE_PASSWORD: 'pw' };
    const configOf = (objs: K8sObject[]) => {
      const file = join(mkdtempSync(join(tmpdir(), 'mlobs-k8s-')), 'mlobs.yaml');
      writeFileSync(file, find(objs, 'ConfigMap', 'mlobs-config').data['mlobs.yaml']);
      return loadConfig({ file, env });
    };
    const b = configOf(base);
    expect([b.server.host, b.storage.url, b.storage.cluster, b.kafka.brokers]).toEqual(['0.0.0.0', 'http://clickhouse-mlobs.clickhouse.svc.cluster.local:8123', undefined, ['mlobs-kafka-bootstrap.kafka.svc.cluster.local:9092']]);
    expect(b.collectors.dcgm.kubernetes).toEqual({ namespace: 'gpu-operator', labelSelector: 'app=nvidia-dcgm-exporter', port: 9400, path: '/metrics' });
    expect(configOf(production).storage.cluster).toBe('mlobs');
    const secret = find(base, 'Secret', 'mlobs-secrets');
    const refs = find(base, 'Deployment', 'mlobs-ingest').spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef);
    for (const r of refs) expect(secret.stringData).toHaveProperty(r.key);
    // The placeholder is too short to be accepted: a deployment without the real token stops at start.
    expect(() => configOf(base) && loadConfig({ env: { ...env, MLOBS_AUTH_TOKEN: secret.stringData.authToken } })).toThrow(/authToken.*16 characters/);
  });
});
