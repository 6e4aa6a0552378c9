import { parseInferenceBody, type InferenceBody } from '../../core/schemas/kserve.js';
import { requestFeatures, responseOutputs, type Features, type Output } from './payload.js';

/** A stored half as the joiner reads it back (kserve_halves). */
export interface Half {
  id: string;
  model: string;
  component: string;
  namespace: string;
  endpoint: string;
  tsMs: number;
  data: string;
}

export type JoinOutcome = 'joined' | 'no_response' | 'response_only';

/** ce-endpoint → model_version per model (collectors.kserve.modelVersions). */
export type ModelVersions = Record<string, Record<string, string>>;

/**
 * The predictions of one inference: one per instance of the batch (ids ce-id#0…#n-1; a single
 * instance keeps ce-id itself, so that labels can be posted with the id the caller sent as Ce-Id).
 *
 * - time: the request's ce-time (the logger's send time, right after the request arrived); the
 *   response's when only it is there. ce-time is not latency, so latency_ms comes from the payload only.
 * - model_version: the mapping's entry for ce-endpoint, else ce-endpoint itself (default, canary).
 * - ce-component and ce-namespace are segments, not features: they describe the serving path, the
 *   same for every input, so as features they would only add a constant column to drift reports,
 *   while as segments they let drift and quality be split by them.
 * - an instance with no output in the response (a batch answered short) is status error.
 */
export function joinPredictions(request: Half | undefined, response: Half | undefined, versions: ModelVersions): { outcome: JoinOutcome; predictions: Record<string, unknown>[] } {
  const first = (request ?? response)!;
  const outcome: JoinOutcome = request && response ? 'joined' : request ? 'no_response' : 'response_only';
  const features: Features[] = request ? requestFeatures(parsed(request, 'request') as InferenceBody & { half: 'request' }) : [];
  const resp = response ? responseOutputs(parsed(response, 'response') as InferenceBody & { half: 'response' }) : { outputs: [] as Output[], latencyMs: null };
  const n = Math.max(features.length, resp.outputs.length, 1);
  const segments: Record<string, string> = {};
  if (first.component) segments.component = first.component;
  if (first.namespace) segments.namespace = first.namespace;
  const predictions = Array.from({ length: n }, (_, i) => {
    const out = resp.outputs[i];
    const status = out ? 'ok' : response ? 'error' : 'no_response';
    return {
      model: first.model,
      model_version: versions[first.model]?.[first.endpoint] ?? first.endpoint,
      prediction_id: n === 1 ? first.id : `${first.id}#${i}`,
      timestamp: first.tsMs,
      features: features[i] ?? {},
      prediction: out?.prediction ?? null,
      score: out?.score ?? null,
      latency_ms: response ? resp.latencyMs : null,
      status,
      segments,
    };
  });
  return { outcome, predictions };
}

// Bodies were validated when they came in (core/schemas/kserve.ts); one that no longer parses was
// written to the table by something else, and throws here so that the joiner dead-letters it.
function parsed(h: Half, half: 'request' | 'response'): InferenceBody {
  const r = parseInferenceBody(half, h.data);
  if (!r.ok) throw new Error(`${half} ${h.id}: ${r.error}`);
  return r.value;
}
