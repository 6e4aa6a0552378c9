import type { CostConfig } from './config.js';

/** Far enough in the future to stand for "no end"; within Int64 and exact in a double. */
export const FOREVER_MS = 9e15;

/** One row of the `cost_prices` table: a price per GPU-hour for a GPU model over [validFromMs, validToMs); gpuModel '' is the default. */
export interface PriceRow {
  gpu_model: string;
  valid_from_ms: number;
  valid_to_ms: number;
  per_hour: number;
}

/** The configured prices as table rows; the default price becomes a '' row covering all time. */
export function priceRows(cfg: Pick<CostConfig, 'prices' | 'defaultPerHour'>): PriceRow[] {
  const rows = cfg.prices.map((p) => ({ gpu_model: p.gpuModel, valid_from_ms: p.from ?? 0, valid_to_ms: p.to ?? FOREVER_MS, per_hour: p.perHour }));
  if (cfg.defaultPerHour !== undefined) rows.push({ gpu_model: '', valid_from_ms: 0, valid_to_ms: FOREVER_MS, per_hour: cfg.defaultPerHour });
  return rows;
}

/** Price per GPU-hour of a GPU model at instant t: its own entry, else the default, else null. */
export function priceAt(rows: readonly PriceRow[], gpuModel: string, t: number): number | null {
  const covers = (r: PriceRow) => r.valid_from_ms <= t && t < r.valid_to_ms;
  return (rows.find((r) => r.gpu_model === gpuModel && covers(r)) ?? rows.find((r) => r.gpu_model === '' && covers(r)))?.per_hour ?? null;
}

/** Instants where [fromMs, toMs) must be split so that every piece has one price per GPU model: sorted, distinct, from and to included. */
export function priceCuts(rows: readonly PriceRow[], fromMs: number, toMs: number): number[] {
  const inner = rows.flatMap((r) => [r.valid_from_ms, r.valid_to_ms]).filter((c) => c > fromMs && c < toMs);
  return [...new Set([fromMs, toMs, ...inner])].sort((a, b) => a - b);
}
