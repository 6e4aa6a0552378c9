import { stringify } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { serviceMonitor } from './servicemonitor.js';

/**
 * The kustomize base: one Deployment per role (`mlobs up` with MLOBS_ROLES), each with its
 * Service, PodDisruptionBudget and NetworkPolicy; the config as a ConfigMap, the token as a Secret.
 * Kafka and ClickHouse are external services (deploy/kubernetes/README.md: Strimzi, Altinity).
 */

export const ROLES = ['ingest', 'scrape', 'sink', 'detect'] as const;
export type Role = (typeof ROLES)[number];

/** The namespace the base assumes (the overlay sets it; ClusterRoleBinding subjects must name it). */
export const NAMESPACE = 'mlobs';
export const IMAGE = 'mlobs';
export const IMAGE_TAG = '0.1.0';
const PORT = 8080;
const CONFIG_PATH = '/etc/mlobs/mlobs.yaml';
/** An unprivileged uid/gid, as the image's own user (deploy/Dockerfile). */
export const RUN_AS = 10001;

const common = { 'app.kubernetes.io/name': 'mlobs', 'app.kubernetes.io/part-of': 'mlobs' };
export const selectorOf = (role: Role) => ({ 'app.kubernetes.io/name': 'mlobs', 'app.kubernetes.io/component': role });
const labelsOf = (role: Role) => ({ ...common, 'app.kubernetes.io/component': role });

interface RoleSpec {
  replicas: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
  /** Why this many replicas: the comment goes to the YAML reader too. */
  why: string;
}

export const ROLE_SPECS: Record<Role, RoleSpec> = {
  ingest: { replicas: 2, requests: { cpu: '250m', memory: '256Mi' }, memoryLimit: '1Gi', why: 'stateless HTTP; the HPA scales it on CPU' },
  scrape: { replicas: 2, requests: { cpu: '100m', memory: '128Mi' }, memoryLimit: '512Mi', why: 'targets are sharded over the live scrapers by group membership' },
  sink: { replicas: 2, requests: { cpu: '250m', memory: '512Mi' }, memoryLimit: '2Gi', why: 'share the topic partitions through the consumer group; more replicas than partitions idle' },
  detect: { replicas: 2, requests: { cpu: '250m', memory: '512Mi' }, memoryLimit: '2Gi', why: 'active/passive: one leader runs the fleet-wide jobs, the other takes over' },
};

/** The config file every role reads; roles come from MLOBS_ROLES, secrets from the environment. */
export function configYaml(extra: { cluster?: string } = {}): string {
  return stringify({
    server: { host: '0.0.0.0', port: PORT },
    storage: {
      // The Altinity operator's Service for a ClickHouseInstallation named "mlobs".
      url: 'http://clickhouse-mlobs.clickhouse.svc.cluster.local:8123',
      // The two users of deploy/clickhouse/users.d/mlobs.xml: the writer (sink, migrations) and the read-only reader.
      username: 'mlobs_writer',
      readerUsername: 'mlobs_reader',
      database: 'mlobs',
      ...(extra.cluster ? { cluster: extra.cluster } : {}),
    },
    // The Strimzi operator's bootstrap Service for a Kafka cluster named "mlobs".
    kafka: { brokers: ['mlobs-kafka-bootstrap.kafka.svc.cluster.local:9092'], topicPrefix: 'mlobs.' },
    // The NVIDIA GPU Operator's dcgm-exporter, found through its EndpointSlices and scraped pod by pod.
    collectors: { dcgm: { kubernetes: { namespace: 'gpu-operator', labelSelector: 'app=nvidia-dcgm-exporter', port: 9400 } } },
  });
}

const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: 'mlobs-secrets', key } } });

function container(role: Role): IContainer {
  const spec = ROLE_SPECS[role];
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port: 'http' }, periodSeconds, timeoutSeconds: 3, failureThreshold });
  return {
    name: 'mlobs',
    image: `${IMAGE}:${IMAGE_TAG}`,
    // The image's entrypoint is `mlobs up`.
    args: ['--config', CONFIG_PATH],
    env: [
      { name: 'MLOBS_ROLES', value: role },
      secretEnv('MLOBS_AUTH_TOKEN', 'authToken'),
      secretEnv('CLICKHOUSE_PASSWORD', 'clickhousePassword'),
      secretEnv('CLICKHOUSE_READER_PASSWORD', 'clickhouseReaderPassword'),
    ],
    ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
    startupProbe: probe('/healthz', 2, 30),
    livenessProbe: probe('/healthz', 10, 3),
    readinessProbe: probe('/readyz', 5, 2),
    resources: { requests: spec.requests, limits: { memory: spec.memoryLimit } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS,
      runAsGroup: RUN_AS,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/mlobs', readOnly: true },
      // The root filesystem is read-only; Node and the HTTP client may still want a scratch /tmp.
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

function deployment(role: Role): Deployment {
  const spec = ROLE_SPECS[role];
  return new Deployment({
    metadata: { name: `mlobs-${role}`, labels: labelsOf(role), annotations: { 'mlobs.dev/replicas': spec.why } },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selectorOf(role) },
      // detect: never two leaders' worth of pods down at once during a rollout.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: role === 'detect' ? 0 : 1, maxSurge: 1 } },
      template: {
        metadata: { labels: labelsOf(role) },
        spec: {
          serviceAccountName: role === 'scrape' ? 'mlobs-scrape' : 'mlobs',
          // Only the scraper talks to the Kubernetes API (EndpointSlice discovery).
          automountServiceAccountToken: role === 'scrape',
          securityContext: { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 30,
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selectorOf(role) } }],
          containers: [container(role)],
          volumes: [
            { name: 'config', configMap: { name: 'mlobs-config' } },
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
          ],
        },
      },
    },
  });
}

const service = (role: Role) =>
  new Service({
    metadata: { name: `mlobs-${role}`, labels: labelsOf(role) },
    spec: { type: 'ClusterIP', selector: selectorOf(role), ports: [{ name: 'http', port: PORT, targetPort: 'http', protocol: 'TCP' }] },
  });

const pdb = (role: Role) =>
  new PodDisruptionBudget({
    metadata: { name: `mlobs-${role}`, labels: labelsOf(role) },
    // One pod of a role may be evicted at a time; detect keeps its standby while the leader moves.
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(role) } },
  });

const ingestHpa = () =>
  new HorizontalPodAutoscaler({
    metadata: { name: 'mlobs-ingest', labels: labelsOf('ingest') },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'mlobs-ingest' },
      minReplicas: ROLE_SPECS.ingest.replicas,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  });

const anyNamespace = [{ namespaceSelector: {} }];
const port = (p: number, protocol: 'TCP' | 'UDP' = 'TCP') => ({ port: p, protocol });
const nsNamed = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const dns = { to: [nsNamed('kube-system')], ports: [port(53, 'UDP'), port(53)] };

/** Deny by default, then open exactly what each role needs. Namespace names are the operators' examples; patch them in an overlay. */
function networkPolicies(): NetworkPolicy[] {
  const np = (name: string, role: Role | undefined, spec: Partial<NetworkPolicy['spec']> & object) =>
    new NetworkPolicy({
      metadata: { name, labels: common },
      spec: { podSelector: { matchLabels: role ? selectorOf(role) : { 'app.kubernetes.io/name': 'mlobs' } }, ...spec },
    });
  return [
    np('mlobs-default-deny', undefined, { policyTypes: ['Ingress', 'Egress'] }),
    // Prometheus (namespace "monitoring") scrapes /metrics of every role.
    np('mlobs-allow-metrics', undefined, { policyTypes: ['Ingress'], ingress: [{ from: [nsNamed('monitoring')], ports: [port(PORT)] }] }),
    // Every role: DNS, Kafka (Strimzi, namespace "kafka"), ClickHouse (Altinity, namespace "clickhouse").
    np('mlobs-allow-backends', undefined, {
      policyTypes: ['Egress'],
      egress: [dns, { to: [nsNamed('kafka')], ports: [port(9092)] }, { to: [nsNamed('clickhouse')], ports: [port(8123), port(8443)] }],
    }),
    // Producers anywhere in the cluster send events to ingest.
    np('mlobs-ingest', 'ingest', { policyTypes: ['Ingress'], ingress: [{ from: anyNamespace, ports: [port(PORT)] }] }),
    // Read APIs (CLI, Grafana) reach detect.
    np('mlobs-detect', 'detect', {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: anyNamespace, ports: [port(PORT)] }],
      // Alert receivers (Alertmanager, webhooks, Slack, PagerDuty) and price sources over HTTPS.
      egress: [{ ports: [port(443), port(9093)] }],
    }),
    // dcgm-exporter pods on every GPU node, and the Kubernetes API for EndpointSlice discovery.
    np('mlobs-scrape', 'scrape', { policyTypes: ['Egress'], egress: [{ to: anyNamespace, ports: [port(9400)] }, { ports: [port(443), port(6443)] }] }),
  ];
}

function rbac() {
  return [
    new ServiceAccount({ metadata: { name: 'mlobs', labels: common }, automountServiceAccountToken: false }),
    new ServiceAccount({ metadata: { name: 'mlobs-scrape', labels: common } }),
    // Read-only, and only EndpointSlices: the scraper finds dcgm-exporter pods through them.
    new ClusterRole({
      metadata: { name: 'mlobs-endpointslice-reader', labels: common },
      rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }],
    }),
    new ClusterRoleBinding({
      metadata: { name: 'mlobs-scrape-endpointslices', labels: common },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'mlobs-endpointslice-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'mlobs-scrape', namespace: NAMESPACE }],
    }),
  ];
}

/** A file of the base: its name and its objects (typed models, or the ServiceMonitor's plain object). */
export interface ManifestFile {
  file: string;
  objects: { toJSON(): object; validate(): void }[];
}

export function baseFiles(): ManifestFile[] {
  return [
    {
      file: 'config.yaml',
      objects: [
        new ConfigMap({ metadata: { name: 'mlobs-config', labels: common }, data: { 'mlobs.yaml': configYaml() } }),
        // A placeholder shorter than the 16 characters mlobs requires: a deployment that forgets to
        // provide the real token (deploy/kubernetes/README.md) stops at start, naming the key.
        new Secret({ metadata: { name: 'mlobs-secrets', labels: common }, type: 'Opaque', stringData: { authToken: 'REPLACE-ME', clickhousePassword: '', clickhouseReaderPassword: '' } }),
      ],
    },
    { file: 'rbac.yaml', objects: rbac() },
    ...ROLES.map((role) => ({
      file: `${role}.yaml`,
      objects: [deployment(role), service(role), pdb(role), ...(role === 'ingest' ? [ingestHpa()] : [])],
    })),
    { file: 'network-policies.yaml', objects: networkPolicies() },
    { file: 'service-monitor.yaml', objects: [serviceMonitor()] },
  ];
}
