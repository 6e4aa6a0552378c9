import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DiscoveryV1Api, KubeConfig, Watch, type V1EndpointSlice } from '@kubernetes/client-node';
import { ConfigError, MlobsError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { TargetSource } from '../gpu/scraper.js';
import { targetsOf, type PodTarget, type TargetRule } from './endpoint-slices.js';

/** `collectors.dcgm.kubernetes`: where the exporter pods are and how to reach each one. */
export interface KubernetesDiscoveryOptions extends TargetRule {
  namespace: string;
  /** Selects the EndpointSlices, which carry their Service's labels and `kubernetes.io/service-name`. */
  labelSelector?: string;
  /** First pause after a failed list or watch; doubles up to backoffMaxMs. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Asked of the API server, which then ends each watch after about this long; it is resumed from where it was. */
  watchTimeoutSeconds?: number;
  /** A list that has not answered in this long counts as failed. */
  listTimeoutMs?: number;
}

export interface KubernetesDiscoveryDeps {
  kubeConfig: KubeConfig;
  logger: Logger;
}

/**
 * The kubeconfig the way kubectl finds it: $KUBECONFIG, else ~/.kube/config, else the pod's service
 * account when running inside the cluster. Throws ConfigError when there is none, rather than
 * falling back (as the client library does) to an unauthenticated http://localhost:8080.
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env, home = homedir()): KubeConfig {
  const kc = new KubeConfig();
  try {
    const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
    if (files.length > 0) {
      // Several files merge as kubectl merges them: the first one's current context wins.
      kc.loadFromFile(files[0]!);
      for (const f of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
    } else if (existsSync(join(home, '.kube', 'config'))) kc.loadFromFile(join(home, '.kube', 'config'));
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else {
      throw new ConfigError(
        'collectors.dcgm.kubernetes is set but no Kubernetes API is configured: run inside the cluster (service account), or set KUBECONFIG or provide ~/.kube/config',
      );
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`collectors.dcgm.kubernetes: cannot load the Kubernetes client configuration: ${errorMessage(e)}`);
  }
  if (!kc.getCurrentCluster()) throw new ConfigError('collectors.dcgm.kubernetes: the kubeconfig has no current cluster (set current-context)');
  return kc;
}

const statusCode = (e: unknown): number | undefined => {
  const x = e as { code?: unknown; statusCode?: unknown };
  const c = typeof x?.statusCode === 'number' ? x.statusCode : typeof x?.code === 'number' ? x.code : undefined;
  return c;
};

/**
 * Follows the dcgm-exporter pods through the EndpointSlices of their Service: a list, then a watch
 * from the list's resourceVersion. A watch the server ends (its timeout) is resumed from the last
 * resourceVersion seen; an expired one (410 Gone) is listed afresh at once; any other failure is
 * retried, list first, after an exponential backoff. Meanwhile the last known targets stay in place,
 * so an API server outage never stops scraping. Never throws once started.
 */
export class KubernetesDiscovery implements TargetSource {
  private readonly api: DiscoveryV1Api;
  private readonly watcher: Watch;
  private readonly path: string;
  private readonly opts: Required<Omit<KubernetesDiscoveryOptions, 'labelSelector'>> & { labelSelector?: string };
  private slices = new Map<string, V1EndpointSlice>();
  private current: PodTarget[] = [];
  private resourceVersion = '';
  private stopped = false;
  private running: Promise<void> | null = null;
  private abortWatch: (() => void) | null = null;
  private wake: (() => void) | null = null;
  private synced = false;

  constructor(
    options: KubernetesDiscoveryOptions,
    private readonly deps: KubernetesDiscoveryDeps,
  ) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.namespace)) throw new ConfigError(`collectors.dcgm.kubernetes.namespace: not a namespace name: ${JSON.stringify(options.namespace)}`);
    this.opts = { backoffInitialMs: 500, backoffMaxMs: 30_000, watchTimeoutSeconds: 300, listTimeoutMs: 30_000, ...options };
    this.api = deps.kubeConfig.makeApiClient(DiscoveryV1Api);
    this.watcher = new Watch(deps.kubeConfig);
    this.path = `/apis/discovery.k8s.io/v1/namespaces/${options.namespace}/endpointslices`;
  }

  /** The exporter pods known now, one target each. */
  targets(): PodTarget[] {
    return this.current;
  }

  /** True once a list has succeeded: `targets()` then reflects the cluster, not just the start. */
  hasSynced(): boolean {
    return this.synced;
  }

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abortWatch?.();
    this.wake?.();
    // A watch whose connection is still being made cannot be aborted yet; it is abandoned after a bound.
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((r) => (t = setTimeout(r, 2_000)))]);
    clearTimeout(t);
    this.running = null;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.list();
        failures = 0;
        // Watch until the watch expires (then list again) or fails (then back off and list again).
        for (;;) {
          const started = Date.now();
          const outcome = await this.watchOnce();
          if (this.stopped || outcome === 'relist') break;
          // A server that ends every watch at once must not be called in a tight loop.
          if (Date.now() - started < this.opts.backoffInitialMs) await this.sleep(this.opts.backoffInitialMs);
        }
      } catch (e) {
        if (this.stopped) break;
        const delay = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** failures);
        failures++;
        this.deps.logger.warn('kubernetes discovery failed; listing again after a pause', { namespace: this.opts.namespace, error: errorMessage(e), retryInMs: delay, targetsKept: this.current.length });
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async list(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MlobsError(`listing EndpointSlices timed out after ${this.opts.listTimeoutMs} ms`, { reason: 'timeout', retryable: true })), this.opts.listTimeoutMs);
    });
    try {
      const list = await Promise.race([this.api.listNamespacedEndpointSlice({ namespace: this.opts.namespace, labelSelector: this.opts.labelSelector }), timeout]);
      this.slices = new Map((list.items ?? []).map((s) => [s.metadata?.name ?? '', s]));
      this.resourceVersion = list.metadata?.resourceVersion ?? '';
      this.synced = true;
      this.update();
    } catch (e) {
      // The client puts the whole response (headers too) in its message; its first line says enough.
      throw new MlobsError(`listing EndpointSlices in ${this.opts.namespace} failed: ${errorMessage(e).split('\n')[0]}`, { reason: `list_${statusCode(e) ?? 'failed'}`, retryable: true, cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  /** One watch; 'resume' when the server ended it normally, 'relist' when it expired; rejects on failure. */
  private watchOnce(): Promise<'resume' | 'relist'> {
    return new Promise((resolve, reject) => {
      let expired = false;
      let failure: string | null = null;
      const onEvent = (type: string, obj: V1EndpointSlice & { code?: number; message?: string }) => {
        if (type === 'ERROR') {
          // The API server sends a Status; 410 means our resourceVersion is too old to resume from.
          if (obj?.code === 410) expired = true;
          else failure = `watch error ${obj?.code ?? ''}: ${obj?.message ?? JSON.stringify(obj)}`;
          return;
        }
        const rv = obj?.metadata?.resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED') this.slices.set(obj.metadata?.name ?? '', obj);
        else if (type === 'DELETED') this.slices.delete(obj.metadata?.name ?? '');
        if (rv) this.resourceVersion = rv;
        if (type !== 'BOOKMARK') this.update();
      };
      const onDone = (err: unknown) => {
        this.abortWatch = null;
        if (err) reject(err instanceof Error ? err : new Error(errorMessage(err)));
        else if (failure) reject(new MlobsError(failure, { reason: 'watch_error', retryable: true }));
        else resolve(expired ? 'relist' : 'resume');
      };
      const query = { resourceVersion: this.resourceVersion, labelSelector: this.opts.labelSelector, allowWatchBookmarks: true, timeoutSeconds: this.opts.watchTimeoutSeconds };
      this.watcher.watch(this.path, query, onEvent, onDone).then(
        (controller) => {
          if (this.stopped) controller.abort();
          else this.abortWatch = () => controller.abort();
        },
        reject,
      );
    });
  }

  private update(): void {
    const next = targetsOf(this.slices.values(), this.opts);
    const before = new Set(this.current.map((t) => `${t.url} ${t.hostname ?? ''}`));
    const after = new Set(next.map((t) => `${t.url} ${t.hostname ?? ''}`));
    if (before.size === after.size && [...after].every((k) => before.has(k))) return;
    this.current = next;
    this.deps.logger.info('kubernetes targets changed', { namespace: this.opts.namespace, targets: next.map((t) => `${t.pod} ${t.url} (${t.hostname ?? '?'})`) });
  }
}
