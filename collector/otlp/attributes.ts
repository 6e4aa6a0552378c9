/**
 * OTLP attribute values as the OpenTelemetry Collector's ClickHouse exporter stores them: every value
 * as text in a Map(String, String), written as pdata's `Value.AsString()` writes it (see README.md):
 * strings as they are, ints as decimal digits (all 64 bits), doubles as JavaScript/ES6 number text,
 * booleans `true`/`false`, bytes as standard base64, arrays and kvlists as JSON (keys sorted,
 * `<`, `>`, `&` escaped, as Go's encoding/json writes them), an empty value as the empty string.
 */

/** An AnyValue as decoded by collector/otlp/decode.ts (`oneofs: true`: `value` names the set field). */
export type AnyValue = {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  bytesValue?: Buffer | Uint8Array;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
};
export type KeyValue = { key?: string; value?: AnyValue };

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
const jsonString = (s: string) => JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
const doubleText = (d: number) => (Number.isNaN(d) ? 'NaN' : d === Infinity ? 'Inf' : d === -Infinity ? '-Inf' : String(d));
const base64 = (b: Buffer | Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** The JSON text of a value nested in an array or kvlist (Go's encoding of pdata's AsRaw()). */
function toJson(v: AnyValue | undefined): string {
  switch (v?.value) {
    case 'stringValue': return jsonString(v.stringValue ?? '');
    case 'boolValue': return v.boolValue ? 'true' : 'false';
    case 'intValue': return String(v.intValue ?? 0);
    // JSON has no NaN or infinities; Go's encoder fails on them, so they become null.
    case 'doubleValue': return Number.isFinite(v.doubleValue) ? String(v.doubleValue) : 'null';
    case 'bytesValue': return jsonString(base64(v.bytesValue ?? Buffer.alloc(0)));
    case 'arrayValue': return `[${(v.arrayValue?.values ?? []).map(toJson).join(',')}]`;
    case 'kvlistValue': return kvlistJson(v.kvlistValue?.values ?? []);
    default: return 'null';
  }
}

function kvlistJson(kvs: KeyValue[]): string {
  // A map in Go: one value per key (the last wins), keys sorted by their bytes.
  const m = new Map<string, AnyValue | undefined>();
  for (const kv of kvs) m.set(kv.key ?? '', kv.value);
  const keys = [...m.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${jsonString(k)}:${toJson(m.get(k))}`).join(',')}}`;
}

/** One attribute value as its stored text. */
export function valueAsString(v: AnyValue | undefined): string {
  switch (v?.value) {
    case 'stringValue': return v.stringValue ?? '';
    case 'boolValue': return v.boolValue ? 'true' : 'false';
    case 'intValue': return String(v.intValue ?? 0);
    case 'doubleValue': return doubleText(v.doubleValue ?? 0);
    case 'bytesValue': return base64(v.bytesValue ?? Buffer.alloc(0));
    case 'arrayValue':
    case 'kvlistValue': return toJson(v);
    default: return '';
  }
}

/** A KeyValue list as the exporter's attribute map (a repeated key: the last one wins). */
export function attributesToMap(kvs: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of kvs ?? []) out[kv.key ?? ''] = valueAsString(kv.value);
  return out;
}

/** The plain value of an attribute for mapping to other events: numbers stay numbers, the rest text. */
export function attributeValue(kvs: KeyValue[] | undefined, key: string): string | number | boolean | undefined {
  let found: AnyValue | undefined;
  for (const kv of kvs ?? []) if (kv.key === key) found = kv.value;
  if (!found) return undefined;
  if (found.value === 'intValue') return Number(found.intValue);
  if (found.value === 'doubleValue') return found.doubleValue;
  if (found.value === 'boolValue') return found.boolValue;
  return valueAsString(found);
}

/** An array attribute of numbers (doubles or ints), e.g. an embedding; undefined when absent or holding anything else. */
export function attributeNumbers(kvs: KeyValue[] | undefined, key: string): number[] | undefined {
  let found: AnyValue | undefined;
  for (const kv of kvs ?? []) if (kv.key === key) found = kv.value;
  if (found?.value !== 'arrayValue') return undefined;
  const out: number[] = [];
  for (const v of found.arrayValue?.values ?? []) {
    if (v.value === 'doubleValue') out.push(Number(v.doubleValue));
    else if (v.value === 'intValue') out.push(Number(v.intValue));
    else return undefined;
  }
  return out;
}

/** A decoded span (decode.ts: camelCase, 64-bit numbers as decimal strings, ids as bytes). */
export interface OtlpSpan {
  traceId?: Buffer;
  spanId?: Buffer;
  parentSpanId?: Buffer;
  traceState?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: KeyValue[];
  events?: { timeUnixNano?: string; name?: string; attributes?: KeyValue[] }[];
  links?: { traceId?: Buffer; spanId?: Buffer; traceState?: string; attributes?: KeyValue[] }[];
  status?: { code?: number; message?: string };
}
