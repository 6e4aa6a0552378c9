/**
 * Validation of uploaded reference rows. A row is either a flat object of features
 * (`{"amount": 12.5, "country": "DE"}`) or shaped like a prediction event
 * (`{"features": {...}, "prediction": ..., "score": ..., "label": ..., "segments": {...}}`), so that
 * exported predictions can be uploaded as they are.
 */
import { z } from 'zod';
import { finiteNumber, name, text } from '../../core/schemas/common.js';

const value = z.union([finiteNumber, text(4096), z.boolean(), z.null()]);
const features = z.record(name('feature name'), value).refine((f) => Object.keys(f).length <= 2000, 'more than 2000 features');
const outcome = z.union([finiteNumber, text(4096), z.boolean()]);

const structured = z
  .object({
    features,
    prediction: outcome.nullish(),
    score: finiteNumber.nullish(),
    label: outcome.nullish(),
    segments: z.record(name('segment name'), text(256)).default({}),
  })
  .strict();

export type ReferenceRow = z.infer<typeof structured>;

/** Validates one uploaded row; returns the row or an error message. */
export function parseReferenceRow(raw: unknown): { ok: true; row: ReferenceRow } | { ok: false; error: string } {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(raw)) return { ok: false, error: 'a row must be a JSON object' };
  const r = isObject(raw.features) ? structured.safeParse(raw) : features.safeParse(raw);
  if (!r.success) return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ') };
  return { ok: true, row: isObject(raw.features) ? (r.data as ReferenceRow) : { features: r.data as ReferenceRow['features'], segments: {} } };
}

function split(v: number | string | boolean | null | undefined): { num: number | null; cat: string | null } {
  if (v === null || v === undefined) return { num: null, cat: null };
  return typeof v === 'number' ? { num: v, cat: null } : { num: null, cat: String(v) };
}

/** The `drift_reference_rows` row for a validated upload row. */
export function referenceTableRow(model: string, version: string, index: number, r: ReferenceRow) {
  const num: Record<string, number> = {};
  const cat: Record<string, string> = {};
  const nulls: string[] = [];
  for (const [k, v] of Object.entries(r.features)) {
    if (v === null) nulls.push(k);
    else if (typeof v === 'number') num[k] = v;
    else cat[k] = String(v);
  }
  const p = split(r.prediction);
  const l = split(r.label);
  return {
    model,
    version,
    row: index,
    num_features: num,
    cat_features: cat,
    null_features: nulls,
    prediction_num: p.num,
    prediction_cat: p.cat,
    score: r.score ?? null,
    label_num: l.num,
    label_cat: l.cat,
    segments: r.segments,
  };
}
