/**
 * Validation of uploaded reference rows. A row is either a flat object of features
 * (`{"amount": 12.5, "country": "DE"}`) or shaped like a prediction event
 * (`{"features": {...}, "prediction": ..., "score": ..., "label": ..., "segments": {...}}`), so that
 * exported predictions can be uploaded as they are.
 */
import { z } from 'zod';
import { finiteNumber, name, text } from '../../core/schemas/common.js';
import { splitFeatures, splitValue } from '../../storage/rows.js';
import { embeddingMap, featureMap } from '../../core/schemas/events.js';

// The same feature rules as prediction events, so a reference row and a prediction agree on what a feature is.
const features = featureMap;
const outcome = z.union([finiteNumber, text(4096), z.boolean()]);

const structured = z
  .object({
    features,
    prediction: outcome.nullish(),
    score: finiteNumber.nullish(),
    label: outcome.nullish(),
    segments: z.record(name('segment name'), text(256)).default({}),
    embeddings: embeddingMap.optional(),
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


/** The `drift_reference_rows` row for a validated upload row. */
export function referenceTableRow(model: string, version: string, index: number, r: ReferenceRow) {
  const p = splitValue(r.prediction);
  const l = splitValue(r.label);
  return {
    model,
    version,
    row: index,
    ...splitFeatures(r.features),
    prediction_num: p.num,
    prediction_cat: p.cat,
    score: r.score ?? null,
    label_num: l.num,
    label_cat: l.cat,
    segments: r.segments,
    embeddings: r.embeddings ?? {},
  };
}
