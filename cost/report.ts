import { MlobsError } from '../core/errors.js';
import { labelValue } from './labels.js';
import type { PodMapper } from './mapping.js';
import { apportion, round } from './money.js';
import type { CostQuery, GroupBy } from './query.js';
import type { UsageRow } from './usage.js';

/** The figures reported for a group and for the fleet. Hours are physical-GPU-hours; money is in the configured currency. */
export interface CostFigures {
  /** Observed GPU-hours: allocated plus unallocated. The allocated-basis cost is billed on these. */
  gpuHours: number;
  allocatedGpuHours: number;
  /** GPU-hours weighted by utilisation: the busy basis. */
  busyGpuHours: number;
  /** Allocated GPU-hours below the idle utilisation threshold. */
  idleGpuHours: number;
  /** busyGpuHours / gpuHours. */
  avgUtilisation: number | null;
  /** Busy GPU-hours while allocated / allocatedGpuHours. */
  efficiency: number | null;
  cost: number;
  busyCost: number;
  idleCost: number;
}

/** One group's line; `predictions`, `tokens` and the costs per 1,000 of each only when grouping by model. */
export interface CostGroup extends CostFigures {
  group: string;
  predictions?: number;
  costPer1kPredictions?: number | null;
  /** Input plus output tokens (the predictions' GenAI token features) of the model's distinct predictions; null when none carries them. */
  tokens?: number | null;
  /** Allocated-basis cost / tokens × 1000; null without tokens. */
  costPer1kTokens?: number | null;
  previousCost: number | null;
  costChange: number | null;
}

/** The answer of GET /v1/cost and `mlobs cost`. Groups add up to `total` in every additive column. */
export interface CostReport {
  by: GroupBy;
  from: string;
  to: string;
  /** Where measurement stops: `to`, or now when `to` lies in the future. */
  end: string;
  currency: string;
  idleUtilisationThreshold: number;
  maxSampleIntervalMs: number;
  groups: CostGroup[];
  total: CostFigures;
  /** Observed time on GPUs no pod held: their own group under team, namespace, pod and model grouping. */
  unattributed: { gpuHours: number; cost: number; fraction: number | null };
  /** Time in the window when a GPU that reported during it had no sample covering it: not billed to anyone. */
  unobserved: { gpuHours: number; fraction: number | null; gpus: { hostname: string; uuid: string; gpuIId: string; gpuHours: number }[] };
  previous: { from: string; to: string; total: CostFigures | null; costChange: number | null; costChangePct: number | null; unavailable?: string };
  rounding: string;
}

/** Everything buildReport needs; usage rows come from the SQL view or from integrateUsage alike. */
export interface ReportInput {
  query: CostQuery;
  current: readonly UsageRow[];
  previous: readonly UsageRow[];
  /** Distinct predictions per model in each period; needed only when grouping by model. */
  predictions?: { current: ReadonlyMap<string, number>; previous: ReadonlyMap<string, number>; tokens?: ReadonlyMap<string, number> };
  mapper: PodMapper;
  currency: string;
  idleThreshold: number;
  maxIntervalMs: number;
}

/** Usage that cannot be priced: GPU models without a price, MIG profiles whose share is unknown. */
export interface UnpricedUsage {
  missingPrices: { gpuModel: string; gpuHours: number }[];
  unknownMigProfiles: { gpuModel: string; profile: string; instanceHours: number }[];
}

/** The report cannot be priced; carries what is missing and how many GPU-hours it affects. Maps to HTTP 422. */
export class CostDataError extends MlobsError {
  constructor(
    message: string,
    readonly details: UnpricedUsage,
  ) {
    super(message, { reason: 'unpriced_usage', retryable: false });
    this.name = 'CostDataError';
  }
}

/** Group names for GPU time no pod held, and for pods no team or model rule covers. */
export const UNALLOCATED = '(unallocated)';
export const UNMAPPED = '(unmapped)';
/** Group name, under `label:NAME`, for pods without that label. */
export const UNLABELLED = '(unlabelled)';
/** The rounding rule, stated in every report. */
export const ROUNDING_RULE =
  'Money to the cent and hours to the millionth: totals are exact sums rounded half away from zero; each group is its exact value rounded down or up so that groups add up to the total (largest remainder).';

const HOUR_MS = 3_600_000;
const MAX_LISTED_GPUS = 20;

/** The group a usage row belongs to under a grouping. */
export function groupOf(row: Pick<UsageRow, 'namespace' | 'pod' | 'hostname' | 'modelName' | 'labels'>, by: GroupBy, mapper: PodMapper): string {
  if (by === 'node') return row.hostname || '(unknown node)';
  if (by === 'gpu_model') return row.modelName || '(unknown GPU model)';
  if (row.pod === '') return UNALLOCATED;
  if (by === 'namespace') return row.namespace || '(no namespace)';
  if (by === 'pod') return `${row.namespace}/${row.pod}`;
  if (by.startsWith('label:')) return labelValue(row.labels, by.slice('label:'.length)) || UNLABELLED;
  if (by === 'team') return mapper.team(row.namespace, row.pod, row.labels) ?? UNMAPPED;
  return mapper.model(row.namespace, row.pod, row.labels) ?? UNMAPPED;
}

/** What in these rows has no price or no known MIG share. */
export function unpricedUsage(rows: readonly UsageRow[]): UnpricedUsage {
  const prices = new Map<string, number>();
  const profiles = new Map<string, { gpuModel: string; profile: string; instanceHours: number }>();
  for (const r of rows) {
    if (r.gpuShare === null) {
      const key = JSON.stringify([r.modelName, r.gpuIProfile]);
      const p = profiles.get(key) ?? { gpuModel: r.modelName, profile: r.gpuIProfile, instanceHours: 0 };
      p.instanceHours += r.observedMs / HOUR_MS;
      profiles.set(key, p);
    } else if (r.perHour === null) {
      prices.set(r.modelName, (prices.get(r.modelName) ?? 0) + (r.gpuHours ?? 0));
    }
  }
  return {
    missingPrices: [...prices].map(([gpuModel, h]) => ({ gpuModel, gpuHours: round(h, 4) })).sort((a, b) => b.gpuHours - a.gpuHours),
    unknownMigProfiles: [...profiles.values()].map((p) => ({ ...p, instanceHours: round(p.instanceHours, 4) })),
  };
}

function describeUnpriced(u: UnpricedUsage): string {
  const parts = [
    ...u.missingPrices.map((m) => `no price for GPU model ${JSON.stringify(m.gpuModel)} (${m.gpuHours} GPU-hours)`),
    ...u.unknownMigProfiles.map((m) => `unknown MIG profile ${JSON.stringify(m.profile)} on ${JSON.stringify(m.gpuModel)} (${m.instanceHours} instance-hours)`),
  ];
  return parts.join('; ');
}

interface Sums {
  gpuHours: number;
  allocatedGpuHours: number;
  busyGpuHours: number;
  /** Not reported on its own: the numerator of efficiency. */
  allocatedBusyGpuHours: number;
  idleGpuHours: number;
  cost: number;
  busyCost: number;
  idleCost: number;
}
const ADDITIVE_HOURS = ['gpuHours', 'allocatedGpuHours', 'busyGpuHours', 'idleGpuHours'] as const;
const ADDITIVE_MONEY = ['cost', 'busyCost', 'idleCost'] as const;
const zero = (): Sums => ({ gpuHours: 0, allocatedGpuHours: 0, busyGpuHours: 0, allocatedBusyGpuHours: 0, idleGpuHours: 0, cost: 0, busyCost: 0, idleCost: 0 });

function sumByGroup(rows: readonly UsageRow[], by: GroupBy, mapper: PodMapper): Map<string, Sums> {
  const groups = new Map<string, Sums>();
  for (const r of rows) {
    const key = groupOf(r, by, mapper);
    let s = groups.get(key);
    if (!s) groups.set(key, (s = zero()));
    s.gpuHours += r.gpuHours!;
    s.busyGpuHours += r.busyGpuHours!;
    if (r.pod !== '') {
      s.allocatedGpuHours += r.gpuHours!;
      s.allocatedBusyGpuHours += r.busyGpuHours!;
    }
    s.idleGpuHours += r.idleGpuHours!;
    s.cost += r.cost!;
    s.busyCost += r.busyCost!;
    s.idleCost += r.idleCost!;
  }
  return groups;
}

/** Rounds every additive column so that the groups add up to the total exactly; ratios come from the exact sums. */
function roundGroups(keys: readonly string[], sums: ReadonlyMap<string, Sums>): { groups: Map<string, CostFigures>; total: CostFigures } {
  const exact = keys.map((k) => sums.get(k) ?? zero());
  const rounded = keys.map(() => zero());
  const total = zero();
  const exactTotal = zero();
  for (const [cols, decimals] of [[ADDITIVE_HOURS, 6], [ADDITIVE_MONEY, 2]] as const) {
    for (const c of cols) {
      const a = apportion(exact.map((s) => s[c]), decimals);
      a.parts.forEach((v, i) => (rounded[i]![c] = v));
      total[c] = a.total;
    }
  }
  for (const s of exact) for (const c of Object.keys(exactTotal) as (keyof Sums)[]) exactTotal[c] += s[c];
  const figures = (r: Sums, e: Sums): CostFigures => ({
    gpuHours: r.gpuHours,
    allocatedGpuHours: r.allocatedGpuHours,
    busyGpuHours: r.busyGpuHours,
    idleGpuHours: r.idleGpuHours,
    avgUtilisation: e.gpuHours > 0 ? round(e.busyGpuHours / e.gpuHours, 4) : null,
    efficiency: e.allocatedGpuHours > 0 ? round(e.allocatedBusyGpuHours / e.allocatedGpuHours, 4) : null,
    cost: r.cost,
    busyCost: r.busyCost,
    idleCost: r.idleCost,
  });
  return {
    groups: new Map(keys.map((k, i) => [k, figures(rounded[i]!, exact[i]!)])),
    total: figures(total, exactTotal),
  };
}

function unobserved(rows: readonly UsageRow[], windowMs: number): CostReport['unobserved'] {
  const gpus = new Map<string, { hostname: string; uuid: string; gpuIId: string; observedMs: number; share: number }>();
  for (const r of rows) {
    const key = JSON.stringify([r.hostname, r.uuid, r.gpuIId]);
    const g = gpus.get(key) ?? { hostname: r.hostname, uuid: r.uuid, gpuIId: r.gpuIId, observedMs: 0, share: r.gpuShare ?? 1 };
    g.observedMs += r.observedMs;
    gpus.set(key, g);
  }
  const list = [...gpus.values()].map((g) => ({
    hostname: g.hostname,
    uuid: g.uuid,
    gpuIId: g.gpuIId,
    exact: (Math.max(0, windowMs - g.observedMs) * g.share) / HOUR_MS,
    observed: (g.observedMs * g.share) / HOUR_MS,
  }));
  const total = list.reduce((a, g) => a + g.exact, 0);
  const observedGpuHours = list.reduce((a, g) => a + g.observed, 0);
  return {
    gpuHours: round(total, 6),
    fraction: total + observedGpuHours > 0 ? round(total / (total + observedGpuHours), 4) : null,
    gpus: list
      .filter((g) => g.exact > 0)
      .sort((a, b) => b.exact - a.exact)
      .slice(0, MAX_LISTED_GPUS)
      .map((g) => ({ hostname: g.hostname, uuid: g.uuid, gpuIId: g.gpuIId, gpuHours: round(g.exact, 6) })),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Turns usage rows of the window and of the previous period into the report; throws CostDataError when the window holds unpriced usage. Pure. */
export function buildReport(input: ReportInput): CostReport {
  const { query, mapper } = input;
  const problems = unpricedUsage(input.current);
  if (problems.missingPrices.length || problems.unknownMigProfiles.length) {
    throw new CostDataError(`cannot price the GPU time in this window: ${describeUnpriced(problems)}; add cost.prices entries or set cost.defaultPerHour`, problems);
  }
  const previousProblems = unpricedUsage(input.previous);
  const previousUnavailable =
    previousProblems.missingPrices.length || previousProblems.unknownMigProfiles.length ? `cannot price the previous period: ${describeUnpriced(previousProblems)}` : undefined;

  const current = sumByGroup(input.current, query.by, mapper);
  const previous = previousUnavailable ? new Map<string, Sums>() : sumByGroup(input.previous, query.by, mapper);
  const keys = [...new Set([...current.keys(), ...previous.keys()])];
  const cur = roundGroups(keys, current);
  const prev = roundGroups(keys, previous);

  const groups: CostGroup[] = keys.map((k) => {
    const figures = cur.groups.get(k)!;
    const previousCost = previousUnavailable ? null : prev.groups.get(k)!.cost;
    const g: CostGroup = { group: k, ...figures, previousCost, costChange: previousCost === null ? null : round(figures.cost - previousCost, 2) };
    if (query.by === 'model') {
      const mapped = k !== UNALLOCATED && k !== UNMAPPED;
      const n = mapped ? (input.predictions?.current.get(k) ?? 0) : 0;
      g.predictions = n;
      g.costPer1kPredictions = mapped && n > 0 ? round(((current.get(k)?.cost ?? 0) / n) * 1000, 4) : null;
      const tokens = mapped ? (input.predictions?.tokens?.get(k) ?? null) : null;
      g.tokens = tokens;
      g.costPer1kTokens = tokens !== null && tokens > 0 ? round(((current.get(k)?.cost ?? 0) / tokens) * 1000, 4) : null;
    }
    return g;
  });
  groups.sort((a, b) => b.cost - a.cost || (b.previousCost ?? 0) - (a.previousCost ?? 0) || a.group.localeCompare(b.group));

  const unallocatedRows = input.current.filter((r) => r.pod === '');
  const unattributedHours = unallocatedRows.reduce((a, r) => a + r.gpuHours!, 0);
  const unattributedCost = unallocatedRows.reduce((a, r) => a + r.cost!, 0);
  const previousTotal = previousUnavailable ? null : prev.total;
  const costChange = previousTotal ? round(cur.total.cost - previousTotal.cost, 2) : null;

  return {
    by: query.by,
    from: iso(query.fromMs),
    to: iso(query.toMs),
    end: iso(query.endMs),
    currency: input.currency,
    idleUtilisationThreshold: input.idleThreshold,
    maxSampleIntervalMs: input.maxIntervalMs,
    groups,
    total: cur.total,
    unattributed: {
      gpuHours: round(unattributedHours, 6),
      cost: round(unattributedCost, 2),
      fraction: cur.total.gpuHours > 0 ? round(unattributedHours / cur.total.gpuHours, 4) : null,
    },
    unobserved: unobserved(input.current, query.endMs - query.fromMs),
    previous: {
      from: iso(query.previousFromMs),
      to: iso(query.fromMs),
      total: previousTotal,
      costChange,
      costChangePct: previousTotal && previousTotal.cost > 0 && costChange !== null ? round((costChange / previousTotal.cost) * 100, 2) : null,
      ...(previousUnavailable ? { unavailable: previousUnavailable } : {}),
    },
    rounding: ROUNDING_RULE,
  };
}
