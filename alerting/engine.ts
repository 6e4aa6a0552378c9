import type { Registry } from 'prom-client';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Store } from '../storage/store.js';
import type { AlertingConfig, RuleConfig, SloConfig } from './config.js';
import { Dispatcher, type NflogEntry } from './dispatch/dispatcher.js';
import { compileRoute } from './dispatch/route.js';
import { compileInhibitRules } from './inhibit.js';
import { advance, type Alert, type Candidate } from './lifecycle.js';
import type { Labels } from './matchers.js';
import { createAlertingMetrics, type AlertingMetrics } from './metrics.js';
import { notifierFor } from './notifiers/index.js';
import { checkRule } from './rules/index.js';
import { lastSuccessAges } from './rules/pipeline.js';
import { memoQuery, type Hit, type RuleContext } from './rules/types.js';
import { ClickHouseSignals, MemorySignals, mergedSource, type SignalSource } from './signals.js';
import { Silences } from './silences.js';
import { evaluateSlo, windowsFor, type SloStatus } from './slo/evaluate.js';
import { countWindows } from './slo/sli.js';
import { SloEventCounters } from './export/counters.js';
import { StateStore } from './state-store.js';
import type { FleetContext } from '../plugin/module.js';
import { fleetStateOf, FLEET_STATE_TOPIC, type FleetRecord } from './fleet-state.js';

export interface EngineDeps {
  store: Store;
  registry: Registry;
  logger: Logger;
  now: () => number;
  pipelines: readonly { name: string; maxGapMs?: number }[];
  /** Where drift/ publishes signals in-process; defaults to a fresh MemorySignals. */
  signals?: MemorySignals;
  /** Base URL for links; defaults to alerting.externalUrl. */
  externalUrl?: string;
  metrics?: AlertingMetrics;
}

/** An alert as the API shows it: the alert plus why it is (not) notified. */
export interface AlertView extends Alert {
  silencedBy: string[];
  inhibitedBy?: string;
}

const sloRule = (slo: string, severity: string) => `slo:${slo}:${severity}`;
const pct = (r: number) => `${(r * 100).toPrecision(3)} %`;
const human = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/** Fills `{{ $labels.name }}` and `{{ $value }}` as Prometheus templates do (the subset people use). */
export function template(text: string, labels: Labels, value: number): string {
  return text.replace(/\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, k: string) => labels[k] ?? '').replace(/\{\{\s*\$value\s*\}\}/g, String(value));
}

function annotationsOf(cfg: SloConfig['annotations'], labels: Labels, value: number, defaults: { summary: string; description: string }): Record<string, string> {
  const { summary, description, dashboardUrl, runbookUrl, ...rest } = cfg;
  const out: Record<string, string> = {
    summary: template(summary ?? defaults.summary, labels, value),
    description: template(description ?? defaults.description, labels, value),
    why: defaults.description,
  };
  if (dashboardUrl) out.dashboard_url = template(dashboardUrl, labels, value);
  if (runbookUrl) out.runbook_url = template(runbookUrl, labels, value);
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'string') out[k] = template(v, labels, value);
  return out;
}

/**
 * The alerting engine: each evaluation counts SLI windows and checks rules against storage, advances
 * alert lifecycles, persists what changed, and hands alerts to the dispatcher, whose own tick
 * delivers them. `now` is injected; only start() touches real timers.
 */
export class AlertingEngine {
  readonly metrics: AlertingMetrics;
  readonly silences: Silences;
  readonly signals: MemorySignals;
  private readonly alerts = new Map<string, Alert>();
  private readonly state: StateStore;
  private readonly dispatcher: Dispatcher;
  private readonly signalSource: SignalSource;
  private readonly windows: number[];
  private readonly counters: SloEventCounters;
  private sloStatus: SloStatus[] = [];
  private lastEvaluationMs = 0;
  private warnings: string[] = [];
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(readonly config: AlertingConfig, private readonly deps: EngineDeps) {
    this.metrics = deps.metrics ?? createAlertingMetrics(deps.registry);
    this.state = new StateStore(deps.store, { logger: deps.logger, metrics: this.metrics, now: deps.now });
    this.silences = new Silences((s) => this.state.saveSilence(s));
    this.signals = deps.signals ?? new MemorySignals();
    this.signalSource = mergedSource([this.signals, new ClickHouseSignals(deps.store, (m) => this.warn(m))]);
    this.windows = windowsFor(config.slos, config.burnRates);
    this.counters = new SloEventCounters(deps.store, deps.registry, config.slos);
    const nflog = new Map<string, NflogEntry>();
    const receivers = new Map(config.receivers.map((r) => [r.name, r]));
    this.dispatcher = new Dispatcher(config.route ? compileRoute(config.route) : undefined, {
      notifiers: new Map(config.receivers.map((r) => [r.name, notifierFor(r)])),
      sendResolved: (name) => receivers.get(name)?.sendResolved ?? true,
      retry: config.delivery,
      externalUrl: (deps.externalUrl ?? config.externalUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
      silences: this.silences,
      inhibitRules: compileInhibitRules(config.inhibitRules),
      nflog,
      persistNflog: (e) => this.state.saveNflog(e),
      // Under a lease, the intent is written (fenced) before delivering, and undone if delivery fails.
      beforeDeliver: (e) => (this.fleet ? this.fleet.lease.fence(this.fleet.topic(FLEET_STATE_TOPIC), [nflogRecord(e)]) : Promise.resolve()),
      afterFailed: (e, previous) => this.fenced([previous ? nflogRecord(previous) : { key: nflogRecord(e).key, value: null }]),
      metrics: this.metrics,
      logger: deps.logger,
    });
    this.nflog = nflog;
  }
  private readonly nflog: Map<string, NflogEntry>;
  /** The lease this engine runs under (a fleet job); absent when it runs unleased (tests, benchmarks). */
  private fleet: FleetContext | undefined;

  /**
   * Becomes the fleet's alerting engine: reads the alert lifecycle and notification log the previous
   * leaders wrote under the lease, to its end, and continues from there (so it neither pages again
   * for what they paged nor loses a firing alert's resolution). With no fleet state yet (the first
   * leader, or an upgrade from one process) it keeps what init() loaded from ClickHouse.
   */
  async takeOver(fleet: FleetContext): Promise<void> {
    this.fleet = fleet;
    if (!fleet.durable) return;
    const state = fleetStateOf(await fleet.lease.readState(fleet.topic(FLEET_STATE_TOPIC)));
    if (state.alerts.length === 0 && state.nflog.length === 0) return;
    this.alerts.clear();
    for (const a of state.alerts) this.alerts.set(a.fingerprint, a);
    this.nflog.clear();
    for (const e of state.nflog) this.nflog.set(`${e.receiver}\u0000${e.groupKey}`, e);
    this.deps.logger.info('alerting state taken over from the fleet log', { alerts: state.alerts.length, notifications: state.nflog.length });
  }

  /** Writes fleet state under the lease, in order; a failure is logged (a fenced one also ends the lease, which stops this engine). */
  private fenced(records: FleetRecord[]): void {
    const f = this.fleet;
    if (!f || !records.length) return;
    f.lease.fence(f.topic(FLEET_STATE_TOPIC), records).catch((e) => {
      this.metrics.persistFailures.inc();
      this.deps.logger.warn('alerting fleet state write failed', { records: records.length, error: errorMessage(e) });
    });
  }

  /** Loads persisted alerts, silences and notification log, so a restart continues where it stopped. */
  async init(): Promise<void> {
    for (const a of await this.state.loadAlerts()) this.alerts.set(a.fingerprint, a);
    this.silences.load(await this.state.loadSilences());
    for (const e of await this.state.loadNflog()) this.nflog.set(`${e.receiver}\u0000${e.groupKey}`, e);
    // Alerts of rules or SLOs no longer configured would otherwise fire forever.
    const known = new Set([...this.config.rules.map((r) => r.name), ...this.config.slos.flatMap((s) => [sloRule(s.name, 'page'), sloRule(s.name, 'ticket')])]);
    const gone = [...this.alerts.values()].filter((a) => !known.has(a.rule));
    for (const a of gone) this.alerts.delete(a.fingerprint);
    this.state.saveAlerts([], gone);
    this.dispatcher.update([...this.alerts.values()], this.deps.now());
    await this.checkModels();
  }

  /** One evaluation cycle at `now` (default: the injected clock). Never throws: failures keep the previous state of what failed. */
  async evaluate(now = this.deps.now()): Promise<void> {
    const t0 = performance.now();
    const changed: Alert[] = [];
    const removed: Alert[] = [];
    const apply = (rule: { name: string; forMs: number; keepFiringForMs: number }, cands: Candidate[]) => {
      const r = advance(this.alerts, rule, cands, now, this.config.resolvedRetentionMs);
      changed.push(...r.changed);
      removed.push(...r.dropped);
    };
    const ctx: RuleContext = { store: this.deps.store, query: memoQuery(this.deps.store), registry: this.deps.registry, signals: this.signalSource, pipelines: this.deps.pipelines, now };
    const [slo, counters, ...rules] = await Promise.allSettled([this.evaluateSlos(ctx), this.counters.update(now), ...this.config.rules.map((r) => this.evaluateRule(r, ctx))]);
    if (counters!.status === 'rejected') this.deps.logger.warn('updating mlobs_slo_events_total failed', { error: errorMessage(counters!.reason) });
    if (slo!.status === 'fulfilled') {
      for (const [rule, cands] of slo!.value) apply(rule, cands);
    } else {
      this.metrics.ruleFailures.inc({ rule: 'slo' });
      this.deps.logger.error('SLO evaluation failed; alert states kept', { error: errorMessage(slo!.reason) });
    }
    rules.forEach((r, i) => {
      const rule = this.config.rules[i]!;
      if (r.status === 'fulfilled') apply(rule, r.value);
      else {
        this.metrics.ruleFailures.inc({ rule: rule.name });
        this.deps.logger.error('rule evaluation failed; alert states kept', { rule: rule.name, error: errorMessage(r.reason) });
      }
    });
    this.state.saveAlerts(changed, removed);
    this.fenced([...changed.map(alertRecord), ...removed.map((a) => ({ key: alertRecord(a).key, value: null }))]);
    this.dispatcher.update([...this.alerts.values()], now);
    const counts = { pending: 0, firing: 0, resolved: 0 };
    for (const a of this.alerts.values()) counts[a.state]++;
    for (const [state, n] of Object.entries(counts)) this.metrics.alerts.set({ state }, n);
    this.lastEvaluationMs = now;
    this.metrics.evaluations.inc({ outcome: slo!.status === 'fulfilled' && rules.every((r) => r.status === 'fulfilled') ? 'ok' : 'failed' });
    this.metrics.evaluationSeconds.observe((performance.now() - t0) / 1000);
  }

  /** Delivers what is due; returns the deliveries started. */
  dispatch(now = this.deps.now()): Promise<void>[] {
    return this.dispatcher.tick(now);
  }

  /** Runs evaluation every evaluationIntervalMs and dispatch every dispatchTickMs until stop(). */
  start(): void {
    // Restartable: a process that lost the lease and wins it again starts from the state it read.
    this.stopped = false;
    this.dispatcher.reset();
    this.dispatcher.update([...this.alerts.values()], this.deps.now());
    const loop = async () => {
      if (this.stopped) return;
      const started = performance.now();
      this.running = this.evaluate().then(() => this.dispatch());
      await this.running;
      this.running = null;
      if (this.stopped) return;
      // Evaluations never overlap: a slow cycle delays the next one instead of piling up.
      const spent = performance.now() - started;
      if (spent > this.config.evaluationIntervalMs) this.metrics.evaluations.inc({ outcome: 'overran_interval' });
      this.timers[0] = setTimeout(loop, Math.max(0, this.config.evaluationIntervalMs - spent));
    };
    this.timers = [setTimeout(loop, 0), setInterval(() => this.dispatch(), this.config.dispatchTickMs)];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.dispatcher.stop();
    await this.running?.catch(() => {});
    await this.state.flush();
  }

  /** Current alerts (pending, firing, recently resolved), newest first, with silences and inhibitions. */
  list(now = this.deps.now()): AlertView[] {
    return [...this.alerts.values()]
      .map((a) => ({ ...a, ...this.dispatcher.muted(a, now) }))
      .sort((a, b) => (b.firedAtMs || b.activeAtMs) - (a.firedAtMs || a.activeAtMs));
  }

  slos(): { evaluatedAtMs: number; slos: SloStatus[]; warnings: string[] } {
    return { evaluatedAtMs: this.lastEvaluationMs, slos: this.sloStatus, warnings: this.warnings };
  }

  /** Resolves once all state writes so far are stored (tests, shutdown). */
  persisted(): Promise<void> {
    return this.state.flush();
  }

  private async evaluateSlos(ctx: RuleContext): Promise<[{ name: string; forMs: number; keepFiringForMs: number }, Candidate[]][]> {
    const slos = this.config.slos;
    const now = ctx.now;
    if (!slos.length) return [];
    const maxGap = new Map(this.deps.pipelines.map((p) => [p.name, p.maxGapMs ?? 0]));
    const counts = await countWindows(this.deps.store, slos, this.windows, now, (p) => maxGap.get(p) ?? 0);
    const fresh = slos.filter((s) => s.sli.type === 'freshness').map((s) => ({ name: (s.sli as { pipeline: string }).pipeline, maxGapMs: maxGap.get((s.sli as { pipeline: string }).pipeline) ?? 0 }));
    if (fresh.length) {
      const ages = await lastSuccessAges(ctx, fresh);
      for (const p of fresh) this.metrics.pipelineStale.set({ pipeline: p.name }, ages.get(p.name)!.ageMs > p.maxGapMs ? 1 : 0);
    }
    const out: [{ name: string; forMs: number; keepFiringForMs: number }, Candidate[]][] = [];
    const statuses: SloStatus[] = [];
    for (const slo of slos) {
      const st = evaluateSlo(slo, this.config.burnRates, counts.get(slo.name)!, now);
      statuses.push(st);
      this.metrics.budgetRemaining.set({ slo: slo.name }, st.budgetRemaining);
      for (const fam of [st.page, st.ticket]) {
        const rule = { name: sloRule(slo.name, fam.severity), forMs: 0, keepFiringForMs: 0 };
        if (!fam.burning) {
          out.push([rule, []]);
          continue;
        }
        const target: Labels = 'model' in slo.sli ? { model: slo.sli.model } : { pipeline: (slo.sli as { pipeline: string }).pipeline };
        const labels: Labels = { ...slo.labels, alertname: 'ErrorBudgetBurn', slo: slo.name, severity: fam.severity, sli: slo.sli.type, ...target, ...(slo.service ? { service: slo.service } : {}) };
        const hot = fam.pairs.filter((p) => p.burning);
        const value = Math.max(...hot.map((p) => p.longRatio / st.errorBudget));
        const why = hot
          .map((p) => `error ratio ${pct(p.longRatio)} over ${human(p.longWindowMs)} and ${pct(p.shortRatio)} over ${human(p.shortWindowMs)}, above ${pct(p.threshold)} (${p.factor.toPrecision(3)}x the ${pct(st.errorBudget)} budget: ${pct(p.budgetShare)} of the ${human(slo.periodMs)} budget in ${human(p.longWindowMs)})`)
          .join('; ');
        const summary = `SLO ${slo.name} is burning its error budget ${value.toPrecision(3)}x too fast (${fam.severity})`;
        const description = `${why}. Budget left for the ${human(slo.periodMs)} period: ${pct(st.budgetRemaining)}.`;
        out.push([rule, [{ labels, value, annotations: annotationsOf(slo.annotations, labels, value, { summary, description }) }]]);
      }
    }
    this.sloStatus = statuses;
    return out;
  }

  private async evaluateRule(rule: RuleConfig, ctx: RuleContext): Promise<Candidate[]> {
    const hits: Hit[] = await checkRule(rule, ctx);
    return hits.map((h) => {
      const labels: Labels = { ...rule.labels, ...h.labels, alertname: rule.name, severity: rule.severity };
      return { labels, value: h.value, annotations: annotationsOf(rule.annotations, labels, h.value, { summary: h.summary, description: h.why }) };
    });
  }

  // Models are not declared anywhere else in the config: an SLO on a model with no predictions at all
  // is most likely a typo, but could be a model not yet deployed. Say so loudly; do not refuse to start.
  private async checkModels(): Promise<void> {
    const models = [...new Set(this.config.slos.flatMap((s) => ('model' in s.sli ? [s.sli.model] : [])))];
    const driftModels = this.config.rules.flatMap((r) => (r.kind === 'drift' && r.model ? [r.model] : []));
    const all = [...new Set([...models, ...driftModels])];
    if (!all.length || this.config.models) return;
    try {
      const seen = new Set((await this.deps.store.query<{ model: string }>(`SELECT DISTINCT model FROM ${this.deps.store.database}.predictions WHERE model IN {m:Array(String)}`, { m: all })).map((r) => r.model));
      for (const m of all) if (!seen.has(m)) this.warn(`model ${JSON.stringify(m)} named by an SLO or rule has no stored predictions: check its spelling (or list known models under alerting.models to make this an error)`);
    } catch (e) {
      this.deps.logger.warn('could not check SLO models', { error: errorMessage(e) });
    }
  }

  private warn(msg: string) {
    if (this.warnings.includes(msg)) return;
    this.warnings.push(msg);
    this.deps.logger.warn(msg);
  }
}

const alertRecord = (a: Alert): FleetRecord => ({ key: `alert:${a.fingerprint}`, value: JSON.stringify(a) });
const nflogRecord = (e: NflogEntry): FleetRecord => ({ key: `nflog:${e.receiver}\u0000${e.groupKey}`, value: JSON.stringify(e) });
