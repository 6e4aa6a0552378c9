import { z } from 'zod';
import { id, name, text, timestampMs } from './common.js';

/**
 * One half (request or response) of an inference that KServe's logger posted as a CloudEvent, as it
 * travels on the bus: the CloudEvent attributes, and the body as it came. Halves are joined into
 * predictions downstream (collector/kserve/joiner.ts), so the body is kept raw and only its shape is
 * checked here: a half whose body is neither the v1 nor the v2 (Open Inference Protocol) format of
 * its side becomes a dead letter at the boundary, not a surprise at join time.
 */

// Kafka's default message.max.bytes is 1 MB; a body above this could not be published at all.
export const KSERVE_MAX_BODY_CHARS = 900_000;

const V2_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;

/** An Open Inference Protocol tensor (JSON form): `data` flat in row-major order or nested as the shape says. */
export const v2Tensor = z
  .object({
    name: z.string().min(1).max(256),
    shape: z.array(z.number().int().nonnegative()).max(8),
    datatype: z.enum(V2_DATATYPES),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    data: z.array(z.unknown()),
  })
  .superRefine((t, ctx) => {
    const flat = (t.data as unknown[]).flat(8);
    const want = t.shape.reduce((a, b) => a * b, 1);
    if (flat.length !== want) ctx.addIssue({ code: 'custom', path: ['data'], message: `tensor ${t.name} holds ${flat.length} values but its shape [${t.shape.join(',')}] says ${want}` });
    else if (flat.some((v) => !(v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: `tensor ${t.name} holds a value that is not a number, string or boolean` });
    }
  });
export type V2Tensor = z.infer<typeof v2Tensor>;

export const v1Request = z.looseObject({ instances: z.array(z.unknown()).min(1, 'instances must not be empty') });
export const v1Response = z.looseObject({ predictions: z.array(z.unknown()) });
export const v2Request = z.looseObject({ id: z.string().optional(), parameters: z.unknown().optional(), inputs: z.array(v2Tensor).min(1, 'inputs must not be empty') });
export const v2Response = z.looseObject({ model_name: z.string().optional(), id: z.string().optional(), parameters: z.unknown().optional(), outputs: z.array(v2Tensor) });

export type InferenceBody =
  | { protocol: 'v1'; half: 'request'; body: z.infer<typeof v1Request> }
  | { protocol: 'v1'; half: 'response'; body: z.infer<typeof v1Response> }
  | { protocol: 'v2'; half: 'request'; body: z.infer<typeof v2Request> }
  | { protocol: 'v2'; half: 'response'; body: z.infer<typeof v2Response> };

/** Reads a half's body as v1 (`instances` / `predictions`) or v2 (`inputs` / `outputs`); never throws. */
export function parseInferenceBody(half: 'request' | 'response', data: string): { ok: true; value: InferenceBody } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (e) {
    return { ok: false, error: `body is not JSON: ${(e as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, error: 'body must be a JSON object' };
  const o = json as Record<string, unknown>;
  const [v1, v2, v1Key, v2Key] = half === 'request' ? [v1Request, v2Request, 'instances', 'inputs'] : [v1Response, v2Response, 'predictions', 'outputs'];
  const schema = v2Key in o ? v2 : v1Key in o ? v1 : null;
  if (!schema) return { ok: false, error: `a ${half} body needs "${v1Key}" (v1 protocol) or "${v2Key}" (v2 / Open Inference Protocol)` };
  const r = schema.safeParse(json);
  if (!r.success) return { ok: false, error: r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
  return { ok: true, value: { protocol: schema === v2 ? 'v2' : 'v1', half, body: r.data } as InferenceBody };
}

/** A half of an inference from KServe's logger (CloudEvent attributes in snake_case, body raw). */
export const kserveEvent = z
  .object({
    // ce-id: the inference's id, shared by its request and its response (the join key).
    id: id(),
    half: z.enum(['request', 'response']),
    // ce-inferenceservicename
    model: name('model'),
    namespace: text(256).default(''),
    // ce-component (predictor, transformer, explainer) and ce-endpoint (default, canary)
    component: text(128).default(''),
    endpoint: text(128).default(''),
    source: text(1024).default(''),
    // ce-time: when the logger sent the half, not when the model answered.
    timestamp: timestampMs,
    content_type: text(256).default(''),
    // ce-metadata and ce-annotations as KServe sends them (JSON text), kept for reference.
    metadata: text(16_384).default(''),
    annotations: text(16_384).default(''),
    data: z.string().max(KSERVE_MAX_BODY_CHARS, `body longer than ${KSERVE_MAX_BODY_CHARS} characters`),
  })
  .strict()
  .superRefine((e, ctx) => {
    const r = parseInferenceBody(e.half, e.data);
    if (!r.ok) ctx.addIssue({ code: 'custom', path: ['data'], message: r.error });
  });
export type KserveEvent = z.infer<typeof kserveEvent>;
