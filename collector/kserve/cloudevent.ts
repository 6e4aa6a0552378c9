import { HTTP, type CloudEvent } from 'cloudevents';
import { errorMessage } from '../../core/errors.js';

/** The CloudEvent types KServe's logger sends (pkg/logger/worker.go). */
export const CE_REQUEST = 'org.kubeflow.serving.inference.request';
export const CE_RESPONSE = 'org.kubeflow.serving.inference.response';

type Headers = Record<string, string | string[] | undefined>;

/**
 * The CloudEvents HTTP binding percent-encodes attribute values in headers (space, `"`, `%` and
 * non-ASCII); values that are not valid percent-encoding are taken as they are rather than refused.
 */
function attr(v: unknown): string {
  if (typeof v !== 'string') return v === undefined || v === null ? '' : String(v);
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * A KServe logger post as the fields of a `kserve_event` (validated by the caller against its schema),
 * or why it is not one. The CloudEvents SDK reads the binding (binary mode: ce-* headers; structured
 * mode too) and checks the required attributes; the body is kept as the text that came.
 */
export function readKserveCloudEvent(headers: Headers, body: string): { ok: true; fields: Record<string, unknown> } | { ok: false; error: string } {
  const structured = String(headers['content-type'] ?? '').startsWith('application/cloudevents');
  let ce: CloudEvent;
  try {
    // Binary mode: the SDK is given no body, so it reads only the headers; the body stays raw text.
    ce = HTTP.toEvent({ headers, body: structured ? body : '' }) as CloudEvent;
    ce.validate();
  } catch (e) {
    const errors = (e as { errors?: { message?: string; params?: unknown }[] }).errors;
    const detail = Array.isArray(errors) && errors.length ? errors.map((x) => `${x.message}${x.params ? ` ${JSON.stringify(x.params)}` : ''}`).join('; ') : errorMessage(e);
    return { ok: false, error: `not a CloudEvent (KServe's logger sends ce-id, ce-specversion, ce-source, ce-type headers): ${detail}` };
  }
  const type = ce.type;
  if (type !== CE_REQUEST && type !== CE_RESPONSE) return { ok: false, error: `ce-type ${JSON.stringify(type).slice(0, 120)} is neither ${CE_REQUEST} nor ${CE_RESPONSE}` };
  const ext = ce as unknown as Record<string, unknown>;
  const data = structured ? (typeof ce.data === 'string' ? ce.data : JSON.stringify(ce.data ?? null)) : body;
  return {
    ok: true,
    fields: {
      id: attr(ce.id),
      half: type === CE_REQUEST ? 'request' : 'response',
      model: attr(ext.inferenceservicename),
      namespace: attr(ext.namespace),
      component: attr(ext.component),
      endpoint: attr(ext.endpoint),
      source: attr(ce.source),
      // The SDK fills a missing ce-time with now; KServe's client always sets it (WithTimeNow).
      timestamp: ce.time,
      content_type: attr(ce.datacontenttype),
      metadata: attr(ext.metadata),
      annotations: attr(ext.annotations),
      data,
    },
  };
}
