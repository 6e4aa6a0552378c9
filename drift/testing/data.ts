/** Test support for drift: synthetic predictions with known arrays, posted through the ingest API. */
import { rng } from '../../demo/traffic.js';

export const DAY = 86_400_000;
/** Test days well inside the default 90-day retention of predictions. */
export const day = (n: number) => Math.floor(Date.now() / DAY) * DAY - (10 - n) * DAY;

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

export interface Columns {
  [feature: string]: (number | string | boolean | null)[];
}

/** Seeded normal sample with the given mean and sd, optionally rounded to `digits`. */
export function normals(seed: number, n: number, mean = 0, sd = 1, digits?: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const x = mean + sd * normal(r);
    return digits === undefined ? x : Math.round(x * 10 ** digits) / 10 ** digits;
  });
}

/** Seeded choice among `values` with the given weights. */
export function choices<T>(seed: number, n: number, values: T[], weights: number[] = values.map(() => 1)): T[] {
  const r = rng(seed);
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, () => {
    let u = r() * total;
    for (let i = 0; i < values.length; i++) if ((u -= weights[i]!) < 0) return values[i]!;
    return values[values.length - 1]!;
  });
}

/** Prediction events for the rows of `cols` (all columns the same length), spread over [startMs, startMs + 1 h). */
export function predictions(model: string, idPrefix: string, startMs: number, cols: Columns, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const names = Object.keys(cols);
  const n = cols[names[0]!]!.length;
  return Array.from({ length: n }, (_, i) => {
    const features: Record<string, unknown> = {};
    for (const k of names) if (cols[k]![i] !== undefined) features[k] = cols[k]![i];
    return { model, prediction_id: `${idPrefix}-${i}`, timestamp: startMs + Math.floor((i * 3_600_000) / n), features, prediction: 'x', ...extra(i) };
  });
}

/** Posts events in batches and fails loudly on any rejection. */
export async function postAll(post: (path: string, body: unknown) => Promise<Response>, path: string, events: object[], batch = 5000): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const res = await post(path, events.slice(i, i + batch));
    const body = (await res.json()) as { rejected?: unknown[] };
    if (res.status !== 202 || body.rejected?.length) throw new Error(`ingest refused: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  }
}
