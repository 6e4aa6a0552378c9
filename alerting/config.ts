import { z } from 'zod';
import { durationMs, positiveDurationMs as positiveMs } from '../core/schemas/common.js';
import { parseMatcher } from './matchers.js';


const httpUrl = z.string().refine((u) => /^https?:\/\/[^\s]+$/.test(u), 'must be an http(s) URL');
const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a Prometheus label name');
const labels = z.record(labelName, z.string()).default({});
const matcher = z.string().superRefine((v, ctx) => {
  const m = parseMatcher(v);
  if (typeof m === 'string') ctx.addIssue({ code: 'custom', message: m });
});
const sloName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, ".", "_" or "-"');

/** Texts on each alert: what it means, where to look, what to do. */
const annotations = z
  .object({
    summary: z.string().optional(),
    description: z.string().optional(),
    dashboardUrl: httpUrl.optional(),
    runbookUrl: httpUrl.optional(),
  })
  .catchall(z.string())
  .default({});

/** One multi-window pair of the SRE workbook: alert when both windows burn faster than the factor. */
const burnWindow = z
  .object({
    longWindowMs: positiveMs,
    shortWindowMs: positiveMs,
    /** Share of the whole period's error budget that this window pair may consume before alerting (0.02 = 2 %). */
    budgetShare: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]'),
  })
  .strict()
  .refine((w) => w.shortWindowMs < w.longWindowMs, { message: 'shortWindowMs must be shorter than longWindowMs', path: ['shortWindowMs'] });

const H = 3_600_000;
export const DEFAULT_PAGE_WINDOWS = [
  { longWindowMs: H, shortWindowMs: 5 * 60_000, budgetShare: 0.02 },
  { longWindowMs: 6 * H, shortWindowMs: 30 * 60_000, budgetShare: 0.05 },
];
export const DEFAULT_TICKET_WINDOWS = [
  { longWindowMs: 24 * H, shortWindowMs: 2 * H, budgetShare: 0.1 },
  { longWindowMs: 72 * H, shortWindowMs: 6 * H, budgetShare: 0.1 },
];

const sli = z.discriminatedUnion('type', [
  /** Good events: predictions of the model with status ok. */
  z.object({ type: z.literal('availability'), model: z.string().min(1) }).strict(),
  /** Good events: predictions of the model answered ok within thresholdMs. */
  z.object({ type: z.literal('latency'), model: z.string().min(1), thresholdMs: z.number().positive() }).strict(),
  /**
   * Good events: predictions of the model whose time to first token (predictions.ttft_ms, from OTLP
   * GenAI spans) is within thresholdMs. Predictions without a TTFT count as neither good nor bad.
   */
  z.object({ type: z.literal('ttft'), model: z.string().min(1), thresholdMs: z.number().positive() }).strict(),
  /** Good time: time during which the pipeline's last successful run is within its maxGapMs. */
  z.object({ type: z.literal('freshness'), pipeline: z.string().min(1) }).strict(),
]);

const slo = z
  .object({
    name: sloName,
    service: z.string().min(1).optional(),
    description: z.string().optional(),
    sli,
    objective: z.number({ error: 'must be a number in (0, 1), e.g. 0.995 for 99.5 %' }).refine((o) => o > 0 && o < 1, {
      message: 'must be in (0, 1), e.g. 0.995 for 99.5 %',
    }),
    periodMs: positiveMs.default(30 * 24 * H),
    labels,
    annotations,
    /** Turn off one alert family (e.g. tickets only for a low-stakes SLO). */
    page: z.boolean().default(true),
    ticket: z.boolean().default(true),
  })
  .strict();

const ruleCommon = {
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an alert name (letters, digits, _)'),
  severity: z.enum(['page', 'critical', 'warning', 'ticket', 'info']).default('warning'),
  forMs: durationMs.default(0),
  keepFiringForMs: durationMs.default(0),
  labels,
  annotations,
};

/** DCGM fields the GPU rules understand; anything else is a typo worth stopping the start for. */
export const KNOWN_GPU_METRICS = [
  'DCGM_FI_DEV_GPU_UTIL',
  'DCGM_FI_DEV_GPU_TEMP',
  'DCGM_FI_DEV_MEMORY_TEMP',
  'DCGM_FI_DEV_POWER_USAGE',
  'DCGM_FI_DEV_FB_USED',
  'DCGM_FI_DEV_FB_FREE',
  'DCGM_FI_DEV_MEM_COPY_UTIL',
  'DCGM_FI_DEV_SM_CLOCK',
  'DCGM_FI_DEV_XID_ERRORS',
  'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
  'DCGM_FI_PROF_SM_ACTIVE',
  'DCGM_FI_PROF_DRAM_ACTIVE',
] as const;

const rule = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('drift'),
      ...ruleCommon,
      model: z.string().min(1).optional(),
      feature: z.string().min(1).optional(),
      method: z.string().min(1).optional(),
      /** Fires once this many consecutive drift evaluations of a series (feature and method, or `@dataset`) drifted. */
      consecutive: z.number().int().positive().default(3),
      /** The pipeline feeding the model: labels the alert so a failure of that pipeline can inhibit it. */
      pipeline: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('pipeline_failed'), ...ruleCommon, pipeline: z.string().min(1).optional(), lookbackMs: positiveMs.default(7 * 24 * H) }).strict(),
  z.object({ kind: z.literal('pipeline_stale'), ...ruleCommon, pipeline: z.string().min(1).optional() }).strict(),
  z.object({ kind: z.literal('gpu_xid'), ...ruleCommon, lookbackMs: positiveMs.default(5 * 60_000) }).strict(),
  z.object({ kind: z.literal('gpu_temperature'), ...ruleCommon, thresholdC: z.number().default(85), lookbackMs: positiveMs.default(5 * 60_000) }).strict(),
  z
    .object({ kind: z.literal('gpu_memory'), ...ruleCommon, thresholdRatio: z.number().gt(0).max(1).default(0.95), lookbackMs: positiveMs.default(5 * 60_000) })
    .strict(),
  z
    .object({
      kind: z.literal('gpu_idle'),
      ...ruleCommon,
      /** Percent, as DCGM_FI_DEV_GPU_UTIL reports it. */
      utilizationBelow: z.number().min(0).max(100).default(5),
      durationMs: positiveMs.default(30 * 60_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('gpu_metric'),
      ...ruleCommon,
      metric: z.enum(KNOWN_GPU_METRICS, { error: (i) => `unknown GPU metric ${JSON.stringify(i.input)}; known: ${KNOWN_GPU_METRICS.join(', ')}` }),
      op: z.enum(['>', '>=', '<', '<=']),
      value: z.number(),
      lookbackMs: positiveMs.default(5 * 60_000),
    })
    .strict(),
  z.object({ kind: z.literal('target_down'), ...ruleCommon, target: z.string().min(1).optional() }).strict(),
]);

const receiverCommon = { name: z.string().min(1), sendResolved: z.boolean().default(true) };
const receiver = z.discriminatedUnion('type', [
  /** A Prometheus Alertmanager: alerts are pushed to its API v2 as Prometheus does. */
  z.object({ type: z.literal('alertmanager'), ...receiverCommon, url: httpUrl }).strict(),
  /** Any HTTP endpoint accepting Alertmanager's webhook payload (version 4). */
  z.object({ type: z.literal('webhook'), ...receiverCommon, url: httpUrl, maxAlerts: z.number().int().min(0).default(0) }).strict(),
  z.object({ type: z.literal('slack'), ...receiverCommon, url: httpUrl, channel: z.string().optional() }).strict(),
  z
    .object({ type: z.literal('pagerduty'), ...receiverCommon, routingKey: z.string().min(1), url: httpUrl.default('https://events.pagerduty.com/v2/enqueue') })
    .strict(),
]);

export interface RouteInput {
  receiver?: string;
  matchers?: string[];
  groupBy?: string[];
  groupWaitMs?: number | string;
  groupIntervalMs?: number | string;
  repeatIntervalMs?: number | string;
  continue?: boolean;
  routes?: RouteInput[];
}
/** A node of the routing tree; unset timings and receiver inherit from the parent, as in Alertmanager. */
export interface RouteConfig {
  receiver?: string;
  matchers: string[];
  groupBy?: string[];
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
  continue: boolean;
  routes: RouteConfig[];
}
const route: z.ZodType<RouteConfig, RouteInput> = z.lazy(() =>
  z
    .object({
      receiver: z.string().min(1).optional(),
      matchers: z.array(matcher).default([]),
      groupBy: z.array(z.union([labelName, z.literal('...')])).optional(),
      groupWaitMs: durationMs.optional(),
      groupIntervalMs: positiveMs.optional(),
      repeatIntervalMs: positiveMs.optional(),
      continue: z.boolean().default(false),
      routes: z.array(route).default([]),
    })
    .strict(),
);

const inhibitRule = z
  .object({ sourceMatchers: z.array(matcher).min(1), targetMatchers: z.array(matcher).min(1), equal: z.array(labelName).default([]) })
  .strict();

export const alertingConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    evaluationIntervalMs: positiveMs.default(1000),
    /** Base URL of this stack as people reach it: links in notifications (generatorURL, externalURL). */
    externalUrl: httpUrl.optional(),
    burnRates: z
      .object({ page: z.array(burnWindow).min(1).default(DEFAULT_PAGE_WINDOWS), ticket: z.array(burnWindow).min(1).default(DEFAULT_TICKET_WINDOWS) })
      .strict()
      .prefault({}),
    slos: z.array(slo).default([]),
    rules: z.array(rule).default([]),
    receivers: z.array(receiver).default([]),
    route: route.optional(),
    inhibitRules: z.array(inhibitRule).default([]),
    /** Known model names; when given, an SLO or rule naming another model is refused at start. */
    models: z.array(z.string().min(1)).optional(),
    delivery: z
      .object({
        timeoutMs: positiveMs.default(10_000),
        retryInitialMs: positiveMs.default(500),
        retryMaxMs: positiveMs.default(30_000),
        maxAttempts: z.number().int().positive().default(5),
      })
      .strict()
      .prefault({}),
    /** How often the dispatcher checks groups for due notifications (bounds the added latency). */
    dispatchTickMs: positiveMs.default(100),
    /** Resolved alerts are kept this long for notifications and `GET /v1/alerts`. */
    resolvedRetentionMs: positiveMs.default(15 * 60_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.slos.forEach((s, i) => {
      if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['slos', i, 'name'], message: `duplicate SLO ${s.name}` });
      names.add(s.name);
    });
    const receivers = new Set<string>();
    c.receivers.forEach((r, i) => {
      if (receivers.has(r.name)) ctx.addIssue({ code: 'custom', path: ['receivers', i, 'name'], message: `duplicate receiver ${r.name}` });
      receivers.add(r.name);
    });
    const walk = (r: RouteConfig, path: (string | number)[], root: boolean) => {
      if (root && !r.receiver) ctx.addIssue({ code: 'custom', path: [...path, 'receiver'], message: 'the root route needs a receiver' });
      if (r.receiver && !receivers.has(r.receiver)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'receiver'], message: `unknown receiver ${JSON.stringify(r.receiver)}; declared: ${[...receivers].join(', ') || '(none)'}` });
      }
      r.routes.forEach((c, i) => walk(c, [...path, 'routes', i], false));
    };
    if (c.route) walk(c.route, ['route'], true);
    else if (c.receivers.length) ctx.addIssue({ code: 'custom', path: ['route'], message: 'receivers are declared but no route sends alerts to them' });
    if (c.models) {
      const models = new Set(c.models);
      c.slos.forEach((s, i) => {
        if ('model' in s.sli && !models.has(s.sli.model)) ctx.addIssue({ code: 'custom', path: ['slos', i, 'sli', 'model'], message: `unknown model ${JSON.stringify(s.sli.model)}; known: ${c.models!.join(', ')}` });
      });
      c.rules.forEach((r, i) => {
        if (r.kind === 'drift' && r.model && !models.has(r.model)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'model'], message: `unknown model ${JSON.stringify(r.model)}; known: ${c.models!.join(', ')}` });
      });
    }
  });

export type AlertingConfig = z.infer<typeof alertingConfigSchema>;
export type AlertingConfigInput = z.input<typeof alertingConfigSchema>;
export type SloConfig = AlertingConfig['slos'][number];
export type RuleConfig = AlertingConfig['rules'][number];
export type ReceiverConfig = AlertingConfig['receivers'][number];
export type BurnWindow = AlertingConfig['burnRates']['page'][number];

/** Cross-checks against the rest of the config (pipelines live outside this section); returns one message per problem. */
export function crossCheck(c: AlertingConfig, pipelines: readonly { name: string; maxGapMs?: number }[]): string[] {
  const known = new Map(pipelines.map((p) => [p.name, p]));
  const list = [...known.keys()].join(', ') || '(none)';
  const out: string[] = [];
  c.slos.forEach((s, i) => {
    if (s.sli.type !== 'freshness') return;
    const p = known.get(s.sli.pipeline);
    if (!p) out.push(`alerting.slos.${i}.sli.pipeline: unknown pipeline ${JSON.stringify(s.sli.pipeline)}; declared under pipelines: ${list}`);
    else if (p.maxGapMs === undefined) out.push(`alerting.slos.${i}.sli.pipeline: pipeline ${p.name} has no maxGapMs, which a freshness SLI needs`);
  });
  c.rules.forEach((r, i) => {
    if ((r.kind === 'pipeline_failed' || r.kind === 'pipeline_stale' || r.kind === 'drift') && r.pipeline && !known.has(r.pipeline)) {
      out.push(`alerting.rules.${i}.pipeline: unknown pipeline ${JSON.stringify(r.pipeline)}; declared under pipelines: ${list}`);
    }
    if (r.kind === 'pipeline_stale' && !pipelines.some((p) => p.maxGapMs !== undefined && (!r.pipeline || p.name === r.pipeline))) {
      out.push(`alerting.rules.${i}: no pipeline${r.pipeline ? ` ${r.pipeline}` : ''} declares maxGapMs, so nothing can be stale`);
    }
  });
  return out;
}
