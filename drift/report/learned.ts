/**
 * Thresholds learned from the reference, as NannyML does for distance methods: the reference is
 * cut into `learned.chunks` chunks of equal row counts (contiguous in time for a window, in row
 * order for an upload),
 * each chunk is compared with the whole reference by the same method, and the threshold is
 * mean + sigmas · std (population std, ddof 0) of those chunk statistics. Chunks with fewer than
 * minValues values are left out; fewer than two usable chunks give no threshold.
 * Only distances can be learned (wasserstein, psi, js); p-value methods keep a fixed level.
 */
import type { Store } from '../../storage/store.js';
import type { DriftConfig, DriftMethod, DriftModelConfig } from '../config.js';
import type { Collected, FeatureData } from '../engine/collect.js';
import { cellSql, w1EstimateSql, type CellPlan } from '../engine/cells.js';
import { sideSql, type SideSpec, type SourceScope, type Sql } from '../engine/source.js';
import { numericStream } from '../engine/streams.js';
import { jsCategorical, jsDistanceFromCounts, poolSparseCategories, psiCategorical, psiFromCounts } from '../stats/index.js';
import { OTHER_CATEGORIES } from './methods.js';

/** Whether any threshold of the model is 'learned'. */
export function needsLearned(cfg: DriftConfig, model: DriftModelConfig | undefined): boolean {
  const specs = [...Object.values(cfg.thresholds), ...Object.values(model?.thresholds ?? {}), ...Object.values(model?.features ?? {}).map((f) => f.threshold)];
  return specs.includes('learned');
}

function meanPlusSigmas(xs: number[], sigmas: number): number | undefined {
  if (xs.length < 2) return undefined;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return mean + sigmas * sd;
}

interface NumericChunkRow {
  fi: number;
  w1: (number | null)[];
  n: (string | number)[];
  bins: (string | number)[][];
}

async function numericChunks(store: Store, src: Sql, plans: CellPlan[], chunks: number): Promise<NumericChunkRow[]> {
  const cut = cellSql(plans);
  const range = `range(${chunks})`;
  const dense = `arrayMap(j -> toUInt64(if(has(cm.1, j), cm.2[indexOf(cm.1, j)], 0)), ${range})`;
  const cj = 'arrayMap(x -> x.3[j + 1], cells)';
  return store.query<NumericChunkRow>(
    `SELECT fi,
       arrayMap(j -> ${w1EstimateSql('full', cj, 'arraySum(full)', `arraySum(${cj})`, 'clo', 'chi')}, ${range}) AS w1,
       arrayMap(j -> arraySum(${cj}), ${range}) AS n,
       arrayMap(j -> arrayMap(b -> arraySum(arrayFilter((x, y) -> y = b, ${cj}, bins)), range(length({edges:Array(Array(Float64))}[fi]) + 1)), ${range}) AS bins
     FROM (
       SELECT fi, cells, arrayMap(x -> arraySum(x.3), cells) AS full, arrayMap(x -> x.4, cells) AS clo, arrayMap(x -> x.5, cells) AS chi, arrayMap(x -> x.6, cells) AS bins
       FROM (
         SELECT fi, arraySort(x -> (x.1, x.2), groupArray((key, sub, ${dense}, clo, chi, bin))) AS cells
         FROM (
           SELECT fi, key, sub, ${cut.bin} AS bin, cm, clo, chi FROM (
             SELECT fi, key, sub, any(wd) AS wd, sumMap([ch], [toUInt64(1)]) AS cm, min(v) AS clo, max(v) AS chi
             FROM ${cut.values(numericStream(src))}
             GROUP BY fi, key, sub
           )
         )
         GROUP BY fi
       )
     )`,
    { ...src.params, ...cut.params },
  );
}

async function categoricalChunks(store: Store, src: Sql, features: string[]) {
  return store.query<{ k: string; ch: number; val: string; n: string | number }>(
    `SELECT k, ch, val, count() AS n FROM ${src.sql} ARRAY JOIN cf.keys AS k, cf.values AS val WHERE has({feats:Array(String)}, k) GROUP BY k, ch, val`,
    { ...src.params, feats: features },
  );
}

/** Epoch-ms bounds that cut the reference window into `chunks` contiguous slices of equal row counts. */
export async function timeBounds(store: Store, ref: Extract<SideSpec, { kind: 'window' }>, scope: SourceScope, chunks: number): Promise<number[]> {
  const one = sideSql(0, ref, scope);
  const levels = Array.from({ length: chunks - 1 }, (_, i) => String((i + 1) / chunks)).join(', ');
  const [row] = await store.query<{ b: (string | number)[] }>(
    `SELECT quantilesExact(${levels})(toUnixTimestamp64Milli(ts)) AS b FROM ${scope.db}.predictions FINAL
     WHERE model = {s0_model:String} AND ts >= fromUnixTimestamp64Milli({s0_from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({s0_to:Int64}, 'UTC')
     ${scope.segment ? 'AND mapContains(segments, {s0_sn:String}) AND segments[{s0_sn:String}] = {s0_sv:String}' : ''}
     ${ref.modelVersion !== undefined ? 'AND model_version = {s0_mv:String}' : ''}`,
    one.params,
  );
  // quantilesExact(k/C) is the timestamp of row floor(k·n/C) in time order: the first row of chunk k.
  // Over the side's own rows (its version too): chunks of another version's times would be uneven,
  // some empty, where versions take turns in the window (a canary, an alias moving).
  return (row?.b ?? []).map(Number);
}

function chunkStats(full: number[], chunk: number[][], method: DriftMethod): number[] {
  const out: number[] = [];
  for (const c of chunk) {
    const r = method === 'psi' ? psiFromCounts(full, c) : jsDistanceFromCounts(full, c);
    if (r.ok) out.push(r.value);
  }
  return out;
}

/** Learned thresholds per feature and distance method. */
export async function learnedThresholds(
  store: Store,
  reference: SideSpec,
  scope: SourceScope,
  collected: Collected,
  cfg: DriftConfig,
): Promise<Map<string, Partial<Record<DriftMethod, number>>>> {
  const { chunks, sigmas } = cfg.learned;
  const one = sideSql(0, reference, { ...scope, chunks, chunkBounds: reference.kind === 'window' ? await timeBounds(store, reference, scope, chunks) : undefined });
  const src: Sql = { sql: `(${one.sql})`, params: one.params };
  const out = new Map<string, Partial<Record<DriftMethod, number>>>();
  const set = (f: string, m: DriftMethod, xs: number[]) => {
    const t = meanPlusSigmas(xs, sigmas);
    if (t !== undefined) out.set(f, { ...out.get(f), [m]: t });
  };
  const features = [...collected.features.values()];
  const numeric = features.filter((f): f is FeatureData & { plan: CellPlan } => !!f.plan);
  if (numeric.length) {
    for (const r of await numericChunks(store, src, numeric.map((f) => f.plan), chunks)) {
      const f = numeric[r.fi - 1]!;
      const usable = r.n.map((n, j) => ({ n: Number(n), j })).filter((x) => x.n >= cfg.minValues);
      const std = f.profile?.refStd;
      if (std) set(f.name, 'wasserstein', usable.map(({ j }) => r.w1[j]).filter((w): w is number => w !== null && Number.isFinite(w)).map((w) => w / std));
      const bins = usable.map(({ j }) => r.bins[j]!.map(Number));
      const full = bins.length ? bins[0]!.map((_, b) => r.bins.reduce((a, row) => a + Number(row[b]), 0)) : [];
      for (const m of ['psi', 'js'] as const) set(f.name, m, chunkStats(full, bins, m));
    }
  }
  const categorical = features.filter((f) => f.categories);
  if (categorical.length) {
    const perFeature = new Map<string, Map<number, Map<string, number>>>();
    for (const r of await categoricalChunks(store, src, categorical.map((f) => f.name))) {
      const kept = collected.features.get(r.k)?.categories?.has(r.val) ? r.val : OTHER_CATEGORIES;
      const byChunk = perFeature.get(r.k) ?? new Map<number, Map<string, number>>();
      perFeature.set(r.k, byChunk);
      const m = byChunk.get(r.ch) ?? new Map<string, number>();
      byChunk.set(r.ch, m);
      m.set(kept, (m.get(kept) ?? 0) + Number(r.n));
    }
    for (const [k, byChunk] of perFeature) {
      const cats = [...new Set([...byChunk.values()].flatMap((m) => [...m.keys()]))];
      const rows = [...byChunk.values()].filter((m) => [...m.values()].reduce((a, b) => a + b, 0) >= cfg.minValues);
      const full = new Map(cats.map((c) => [c, [...byChunk.values()].reduce((a, m) => a + (m.get(c) ?? 0), 0)]));
      // Chunks are compared as the report compares the sides: sparse cells pooled first (stats/sparse.ts).
      for (const m of ['psi', 'js'] as const) {
        const stats = rows.flatMap((row) => {
          const p = poolSparseCategories(full, row, cfg.sparse.minExpected);
          const r = (m === 'psi' ? psiCategorical : jsCategorical)(p.reference, p.current);
          return r.ok ? [r.value] : [];
        });
        set(k, m, stats);
      }
    }
  }
  return out;
}
