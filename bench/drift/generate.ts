/**
 * Bench data generated inside the engine (INSERT … SELECT FROM numbers()): `rows` reference
 * predictions on one day and `rows` current ones on the next, 20 numerical and 5 categorical
 * features. Values come from hashes of (side, row, feature), so every run holds the same data.
 *   n00–n09 normal(i, 1 + i/10) at full precision, n10–n14 rounded to 0.01, n15–n19 to 0.1 (ties);
 *   current: every 4th feature shifted by 0.1 sd, the next by 0.02 sd; n03 null in 1% / 5% of rows;
 *   c0–c4 with 3 + j categories; current c1 skewed, c4 with one category the reference lacks.
 */
import type { Store } from '../../storage/store.js';

export const NUMERIC = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, '0')}`);
export const CATEGORICAL = Array.from({ length: 5 }, (_, j) => `c${j}`);

const U = (side: number, salt: number, feature = 'i') => `((cityHash64(${side}, number, ${feature}, ${salt}) % 4294967296) + 0.5) / 4294967296`;

/** Inserts one side (0 reference, 1 current) of `rows` predictions starting at `startMs`, spread over one day. */
export async function generateSide(store: Store, side: 0 | 1, rows: number, startMs: number): Promise<void> {
  const z = `sqrt(-2 * log(${U(side, 1)})) * cos(2 * pi() * ${U(side, 2)})`;
  const shift = side === 1 ? `multiIf(i % 4 = 0, 0.1, i % 4 = 1, 0.02, 0) * (1 + i / 10)` : '0';
  const raw = `i + ${shift} + (1 + i / 10) * ${z}`;
  const value = `multiIf(i < 10, ${raw}, i < 15, round(${raw}, 2), round(${raw}, 1))`;
  const nullPct = side === 1 ? 5 : 1;
  const cats = `arrayMap(j -> concat('v', toString(toUInt32(floor(pow(${U(side, 3, 'j')}, if(${side} = 1 AND j = 1, 1.3, 1)) * (3 + j + if(${side} = 1 AND j = 4, 1, 0)))))), range(5))`;
  await store.command(
    `INSERT INTO ${store.database}.predictions (model, model_version, prediction_id, ts, num_features, cat_features, null_features, prediction_num, prediction_cat, score, latency_ms, status, segments, received_at)
     SELECT 'bench', 'v1', concat('${side}-', toString(number)),
       fromUnixTimestamp64Milli(toInt64(${startMs} + intDiv(number * 86400000, ${rows})), 'UTC'),
       mapFromArrays(arrayFilter(k -> NOT (isnull AND k = 'n03'), {num:Array(String)}), arrayFilter((x, k) -> NOT (isnull AND k = 'n03'), arrayMap(i -> ${value}, range(20)), {num:Array(String)})),
       mapFromArrays({cat:Array(String)}, ${cats}),
       if(isnull, ['n03'], []),
       NULL, NULL, NULL, NULL, 'ok', map(), now64(3)
     FROM (SELECT number, (cityHash64(${side}, number, 99) % 100) < ${nullPct} AS isnull FROM numbers(${rows}))`,
    { num: NUMERIC, cat: CATEGORICAL },
  );
}

/** Writes each feature's non-null values of one side for NumPy: Float64 RowBinary, categories one per line. */
export async function exportSide(store: Store, dir: string, side: 'ref' | 'cur', fromMs: number, toMs: number): Promise<void> {
  const where = `model = 'bench' AND ts >= fromUnixTimestamp64Milli(${fromMs}, 'UTC') AND ts < fromUnixTimestamp64Milli(${toMs}, 'UTC')`;
  for (const f of NUMERIC) {
    await store.command(
      `INSERT INTO FUNCTION file('${dir}/${f}.${side}.bin', 'RowBinary', 'v Float64') SELECT num_features['${f}'] FROM ${store.database}.predictions FINAL WHERE ${where} AND mapContains(num_features, '${f}') SETTINGS engine_file_truncate_on_insert = 1`,
    );
  }
  for (const f of CATEGORICAL) {
    await store.command(
      `INSERT INTO FUNCTION file('${dir}/${f}.${side}.txt', 'LineAsString', 'v String') SELECT cat_features['${f}'] FROM ${store.database}.predictions FINAL WHERE ${where} SETTINGS engine_file_truncate_on_insert = 1`,
    );
  }
}

/**
 * Embedding bench data: `rows` predictions of model `bench-emb` from `startMs` over one day, each
 * with one embedding `text` of `dim` components N(0, 1) from hashes (Irwin–Hall of 4 uniforms, so no
 * log/cos per component); the current side (side 1) has its first dim/16 components shifted by 0.3.
 */
export async function generateEmbeddings(store: Store, side: 0 | 1, rows: number, dim: number, startMs: number): Promise<void> {
  const u = (salt: number) => `(cityHash64(${side}, number, j, ${salt}) % 1048576) / 1048576`;
  const z = `(${u(1)} + ${u(2)} + ${u(3)} + ${u(4)} - 2) * sqrt(3)`;
  const shift = side === 1 ? `if(j < ${Math.max(1, Math.floor(dim / 16))}, 0.3, 0)` : '0';
  await store.command(
    `INSERT INTO ${store.database}.predictions (model, model_version, prediction_id, ts, num_features, cat_features, null_features, prediction_num, prediction_cat, score, latency_ms, status, segments, received_at, embeddings)
     SELECT 'bench-emb', 'v1', concat('${side}-', toString(number)),
       fromUnixTimestamp64Milli(toInt64(${startMs} + intDiv(number * 86400000, ${rows})), 'UTC'),
       map(), map(), [], NULL, 'x', NULL, NULL, 'ok', map(), now64(3),
       map('text', arrayMap(j -> toFloat32(${z} + ${shift}), range(${dim})))
     FROM numbers(${rows})`,
  );
}
