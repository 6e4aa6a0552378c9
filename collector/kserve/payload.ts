import type { InferenceBody, V2Tensor } from '../../core/schemas/kserve.js';

/**
 * What the v1 and v2 (Open Inference Protocol) bodies say about each instance of a batch: the
 * request's features, the response's prediction and score. Pure functions of parsed bodies.
 *
 * Features: named inputs keep their names (a v1 instance object's keys; a v2 tensor with one value
 * per instance); positional ones are f0…fn (a v1 instance array; the columns of a v2 tensor of
 * shape [N, M]). Values that cannot be a feature (nested tensors such as images, text over 4096
 * characters) are left out: drift on pixels means nothing, and one image would exceed the row's bounds.
 */

export type Scalar = number | string | boolean | null;
export type Features = Record<string, Scalar>;
export interface Output {
  prediction: Scalar;
  score: number | null;
}

const MAX_TEXT = 4096;
// Output names (or v1 object keys) that carry a confidence rather than the answer.
const SCORE_NAME = /prob|score|confid/i;
const PREDICTION_KEYS = ['prediction', 'predicted', 'label', 'class', 'predicted_class', 'output', 'value'];
const SCORE_KEYS = ['score', 'probability', 'confidence', 'prob'];

/** A feature name the schema accepts: other characters become `_` (sklearn's "sepal length (cm)" → sepal_length__cm_). */
export function featureName(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9_.:\/-]/g, '_').slice(0, 128);
  return /^[A-Za-z0-9_]/.test(s) ? s : `_${s}`.slice(0, 128);
}

/** The value as a feature or prediction value, or undefined when it cannot be one. */
function scalar(v: unknown): Scalar | undefined {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return v.length <= MAX_TEXT ? v : undefined;
  return undefined;
}

/** Class probabilities (or logits): the arg-max as the prediction, its value as the score. */
function argmax(values: unknown[]): Output | null {
  if (values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
  const xs = values as number[];
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return { prediction: best, score: xs[best]! };
}

/** The features of each instance of a request. */
export function requestFeatures(b: InferenceBody & { half: 'request' }): Features[] {
  if (b.protocol === 'v1') return b.body.instances.map(v1Features);
  const n = batchSize(b.body.inputs);
  const out: Features[] = Array.from({ length: n }, () => ({}));
  const positional = b.body.inputs.length === 1;
  for (const t of b.body.inputs) {
    const rows = rowsOf(t, n);
    if (!rows) continue;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      if (row.length === 1) setFeature(out[i]!, featureName(t.name), row[0], t.datatype);
      else row.forEach((v, j) => setFeature(out[i]!, positional ? `f${j}` : featureName(`${t.name}.f${j}`), v, t.datatype));
    }
  }
  return out;
}

function v1Features(instance: unknown): Features {
  const f: Features = {};
  if (Array.isArray(instance)) instance.forEach((v, j) => setFeature(f, `f${j}`, v));
  else if (typeof instance === 'object' && instance !== null) for (const [k, v] of Object.entries(instance)) setFeature(f, featureName(k), v);
  else setFeature(f, 'f0', instance);
  return f;
}

function setFeature(f: Features, name: string, v: unknown, datatype?: string): void {
  const s = scalar(datatype === 'BOOL' && (v === 0 || v === 1) ? v === 1 : v);
  if (s !== undefined) f[name] = s;
}

/** The batch size of a v2 tensor list: the first dimension, which every tensor of the batch shares. */
function batchSize(ts: V2Tensor[]): number {
  const t = ts[0];
  return !t || t.shape.length === 0 ? 1 : t.shape[0]!;
}

/** A tensor's values, one row per instance; null when it is not batched like the others or is more than a matrix. */
function rowsOf(t: V2Tensor, n: number): unknown[][] | null {
  const flat = (t.data as unknown[]).flat(8);
  if (t.shape.length > 2 || n === 0) return null;
  if (t.shape.length === 0) return n === 1 ? [flat] : null;
  if (t.shape[0] !== n) return null;
  const width = flat.length / n;
  return Array.from({ length: n }, (_, i) => flat.slice(i * width, (i + 1) * width));
}

/** The prediction and score of each instance of a response, and the latency if the payload carries one. */
export function responseOutputs(b: InferenceBody & { half: 'response' }): { outputs: Output[]; latencyMs: number | null } {
  const body = b.body as Record<string, unknown>;
  const params = (body.parameters ?? {}) as Record<string, unknown>;
  const lat = [body.latency_ms, params?.latency_ms].find((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) as number | undefined;
  const latencyMs = lat ?? null;
  if (b.protocol === 'v1') return { outputs: b.body.predictions.map(v1Output), latencyMs };
  const outs = b.body.outputs;
  if (outs.length === 0) return { outputs: [], latencyMs };
  const primary = outs.find((t) => !SCORE_NAME.test(t.name)) ?? outs[0]!;
  const scoreT = outs.find((t) => t !== primary && SCORE_NAME.test(t.name));
  const n = batchSize([primary]);
  const rows = rowsOf(primary, n) ?? [];
  const scores = scoreT ? rowsOf(scoreT, n) : null;
  const outputs = rows.map((row, i) => {
    const o: Output = row.length === 1 ? { prediction: scalar(row[0]) ?? null, score: null } : (argmax(row) ?? { prediction: null, score: null });
    const s = scores?.[i];
    if (s) o.score = s.length === 1 ? (typeof s[0] === 'number' && Number.isFinite(s[0]) ? s[0] : null) : (argmax(s)?.score ?? null);
    return o;
  });
  return { outputs, latencyMs };
}

function v1Output(p: unknown): Output {
  if (Array.isArray(p)) return p.length === 1 ? { prediction: scalar(p[0]) ?? null, score: null } : (argmax(p) ?? { prediction: null, score: null });
  if (typeof p === 'object' && p !== null) {
    const o = p as Record<string, unknown>;
    const key = PREDICTION_KEYS.find((k) => scalar(o[k]) !== undefined && o[k] !== null);
    const sk = SCORE_KEYS.find((k) => typeof o[k] === 'number' && Number.isFinite(o[k]));
    const prediction = key ? scalar(o[key])! : (scalar(JSON.stringify(p)) ?? null);
    return { prediction, score: sk ? (o[sk] as number) : null };
  }
  return { prediction: scalar(p) ?? null, score: null };
}
