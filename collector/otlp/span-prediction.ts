import type { BaseConfig } from '../../core/config.js';
import type { OtelSpanEvent } from '../../core/schemas/otel-span.js';
import { attributeNumbers, attributeValue, type AnyValue, type KeyValue, type OtlpSpan } from './attributes.js';

type PredictionConfig = BaseConfig['otlp']['predictions'];
type Rule = PredictionConfig['rules'][number];
type Value = string | number | boolean;

// GenAI semantic conventions (and the older names vLLM still emits for token counts).
const OPERATION = 'gen_ai.operation.name';
const REQUEST_MODEL = 'gen_ai.request.model';
const RESPONSE_MODEL = 'gen_ai.response.model';
const FINISH_REASONS = 'gen_ai.response.finish_reasons';
const ERROR_TYPE = 'error.type';
const INPUT_TOKENS = 'gen_ai.usage.input_tokens';
const OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
const TOKEN_ALIASES: [string, string][] = [[INPUT_TOKENS, 'gen_ai.usage.prompt_tokens'], [OUTPUT_TOKENS, 'gen_ai.usage.completion_tokens']];

/** The first configured rule a span matches: every condition given (service, span name, attribute values) holds. */
export function matchRule(rules: Rule[], serviceName: string, spanName: string, attributes: Record<string, string>): Rule | undefined {
  return rules.find(
    (r) =>
      (r.service === undefined || r.service === serviceName) &&
      (r.spanName === undefined || r.spanName === spanName) &&
      Object.entries(r.attributes ?? {}).every(([k, v]) => attributes[k] === v),
  );
}

/** finish_reasons is a string array: one reason stays as it is, several are joined with commas. */
function finishReasons(kvs: KeyValue[] | undefined): string | undefined {
  const kv = (kvs ?? []).filter((x) => x.key === FINISH_REASONS).pop();
  if (!kv?.value) return undefined;
  if (kv.value.value === 'arrayValue') return (kv.value.arrayValue?.values ?? []).map((v: AnyValue) => String(v.stringValue ?? '')).join(',');
  return String(attributeValue(kvs, FINISH_REASONS));
}

const num = (v: Value | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** Time to first token in ms: the rule's or vLLM's attribute (seconds, as GenAI durations are), else the first-token event's offset. */
function ttftMs(span: OtlpSpan, event: OtelSpanEvent, cfg: PredictionConfig, rule: Rule | undefined): number | undefined {
  for (const key of [rule?.ttft, cfg.ttftAttribute]) {
    const s = key ? num(attributeValue(span.attributes, key)) : undefined;
    if (s !== undefined && s >= 0) return s * 1000;
  }
  const first = event.events.find((e) => e.name === cfg.ttftEvent);
  if (!first) return undefined;
  const offset = BigInt(first.time_unix_nano) - BigInt(event.start_time_unix_nano);
  return offset >= 0n ? Number(offset) / 1e6 : undefined;
}

/**
 * The prediction an inference span stands for, or null for other spans: a span with
 * `gen_ai.operation.name`, or one a configured rule matches (the rule wins; it names its own
 * attributes). The event is validated by the prediction schema at the receiver like any other.
 */
export function spanPrediction(span: OtlpSpan, event: OtelSpanEvent, resourceKvs: KeyValue[], cfg: PredictionConfig): Record<string, unknown> | null {
  const rule = matchRule(cfg.rules, event.service_name, event.span_name, event.span_attributes);
  if (!rule && event.span_attributes[OPERATION] === undefined) return null;
  const attr = (key: string | undefined) => (key ? attributeValue(span.attributes, key) ?? attributeValue(resourceKvs, key) : undefined);
  const model = rule ? attr(rule.model) : attr(REQUEST_MODEL) ?? attr(RESPONSE_MODEL);
  // Without a model there is nothing to attribute the prediction to; the span itself is still stored.
  if (model === undefined || model === '') return null;
  const features: Record<string, Value | null> = {};
  for (const key of rule ? rule.features : cfg.genAiFeatures) features[key] = attr(key) ?? null;
  for (const [name, alias] of TOKEN_ALIASES) {
    const tokens = num(attr(name) ?? attr(alias));
    if (tokens !== undefined) features[name] = tokens;
  }
  // A rule's embeddings; one that is absent or not an array of numbers is left out (the prediction
  // schema then checks the rest: finite, Float32 range, 1..4096 components).
  const embeddings: Record<string, number[]> = {};
  for (const [name, key] of Object.entries(rule?.embeddings ?? {})) {
    const v = attributeNumbers(span.attributes, key) ?? attributeNumbers(resourceKvs, key);
    if (v) embeddings[name] = v;
  }
  const failed = event.status_code === 'STATUS_CODE_ERROR' || (event.span_attributes[ERROR_TYPE] ?? '') !== '';
  const ttft = ttftMs(span, event, cfg, rule);
  return {
    model: String(model),
    model_version: String((rule?.version ? attr(rule.version) : attr(RESPONSE_MODEL)) ?? ''),
    prediction_id: `${event.trace_id}-${event.span_id}`,
    timestamp: event.timestamp,
    features,
    prediction: (rule?.prediction ? attr(rule.prediction) : finishReasons(span.attributes)) ?? '',
    latency_ms: Number(BigInt(event.duration_ns)) / 1e6,
    ...(ttft !== undefined ? { ttft_ms: ttft } : {}),
    ...(Object.keys(embeddings).length ? { embeddings } : {}),
    status: failed ? 'error' : 'ok',
  };
}
