// Hostile-input generators for the fuzz suite. Every input is built from a valid body by putting one
// hostile fragment into one slot, so the input reaches the code behind the parser instead of stopping
// at the first byte. Fragments are bytes: some are not valid UTF-8, some are not valid JSON on purpose.
import fc from 'fast-check';

/** A hostile fragment in two spellings: where a JSON value goes, and where plain text goes (SQL, exposition). */
export interface Fragment {
  json: Buffer;
  text: Buffer;
}

const b = (s: string) => Buffer.from(s, 'utf8');
const frag = (json: string | Buffer, text: string | Buffer = json): Fragment => ({ json: Buffer.isBuffer(json) ? json : b(json), text: Buffer.isBuffer(text) ? text : b(text) });

// ---- the hostile categories -------------------------------------------------------------------

/** Deeply nested arrays or objects, built as text: JSON.stringify itself would overflow the stack. */
export const deepJson: fc.Arbitrary<Fragment> = fc
  .tuple(fc.integer({ min: 64, max: 60_000 }), fc.constantFrom('array', 'object', 'mixed', 'unclosed'))
  .map(([depth, shape]) => {
    const open = shape === 'array' ? '[' : shape === 'object' ? '{"a":' : '[{"a":';
    const close = shape === 'array' ? ']' : shape === 'object' ? '}' : '}]';
    const n = shape === 'mixed' ? depth >> 1 : depth;
    const s = open.repeat(n) + '1' + (shape === 'unclosed' ? '' : close.repeat(n));
    return frag(shape === 'unclosed' ? '['.repeat(depth) : s, s);
  });

const HUGE = [
  '1e308', '-1e308', '1.7976931348623157e308', '1e309', '-1e400', '1e-400', '5e-324', '-0', '0e999999999',
  '9007199254740993', '-9223372036854775809', '18446744073709551616', '340282366920938463463374607431768211457',
  '123456789012345678901234567890.123456789', '1E+2147483648', '0.' + '0'.repeat(400) + '1',
];
/** Numbers at and past every limit: double overflow, denormals, 64/128-bit edges, thousand-digit literals. */
export const hugeNumbers: fc.Arbitrary<Fragment> = fc.oneof(
  fc.constantFrom(...HUGE).map((s) => frag(s)),
  fc.integer({ min: 20, max: 20_000 }).map((n) => frag('9'.repeat(n))),
  fc.integer({ min: 20, max: 5_000 }).map((n) => frag('-' + '1'.repeat(n) + 'e-' + '9'.repeat(5))),
  fc.constantFrom(...HUGE).map((s) => frag(`"${s}"`, s)),
);

const NAN_SPELLINGS = ['NaN', 'nan', '-nan', 'Infinity', '-Infinity', '+Infinity', 'Inf', '+Inf', '-Inf', 'inf', 'INF', '1/0', 'null', 'undefined', '0x7ff8000000000000'];
/** NaN and infinity as every producer spells them: bare (invalid JSON) and quoted (a string where a number goes). */
export const nanInf: fc.Arbitrary<Fragment> = fc.tuple(fc.constantFrom(...NAN_SPELLINGS), fc.boolean()).map(([s, quoted]) => (quoted ? frag(`"${s}"`, s) : frag(s)));

const BAD_UTF8 = [
  [0xff], [0xfe, 0xff], [0xc3, 0x28], [0xa0, 0xa1], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0xbc], [0xc0, 0xaf], // lone, broken, overlong
  [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], // surrogates, > U+10FFFF, truncated
];
/** Invalid UTF-8 sequences, alone or inside an otherwise valid JSON string. */
export const invalidUtf8: fc.Arbitrary<Fragment> = fc
  .tuple(fc.array(fc.constantFrom(...BAD_UTF8), { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 8 }), fc.boolean())
  .map(([seqs, around, quoted]) => {
    const bad = Buffer.concat(seqs.map((s) => Buffer.from(s)));
    const t = Buffer.concat([b(around), bad, b(around)]);
    return quoted ? frag(Buffer.concat([b('"'), t, b('"')]), t) : frag(t);
  });

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
/** Names and label values past every length bound (128, 256, 4096 …), up to 300 kB, made of otherwise valid characters. */
export const oversizedNames: fc.Arbitrary<Fragment> = fc
  .tuple(fc.constantFrom(129, 257, 1025, 4097, 65_537, 300_000), fc.integer({ min: 0, max: 100 }), fc.constantFrom(...NAME_CHARS))
  .map(([len, extra, ch]) => {
    const s = 'n' + ch.repeat(len + extra - 1);
    return frag(`"${s}"`, s);
  });

/** Random bytes: the whole body. */
export const randomBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'binary', maxLength: 2048 }).map(b), // valid UTF-8, astral planes included
  fc.json({ maxDepth: 4 }).map(b), // valid JSON of the wrong shape
);

// ---- valid events with ids, for the mixed-batch oracle ---------------------------------------------

const nameArb = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,30}$/);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const featureValue = fc.oneof(finite, fc.string({ maxLength: 40 }), fc.boolean(), fc.constant(null));

/** The ingest kinds the oracle covers, with the id field that identifies one event in storage. */
export type IngestKind = 'prediction' | 'label' | 'pipeline_event';
export const ID_FIELD: Record<IngestKind, string> = { prediction: 'prediction_id', label: 'prediction_id', pipeline_event: 'event_id' };

/** A valid event of `kind` carrying `id`, timestamped near `nowMs` (well inside every retention). */
export function validEvent(kind: IngestKind, nowMs: number): fc.Arbitrary<(id: string) => Record<string, unknown>> {
  const ts = fc.integer({ min: nowMs - 86_400_000, max: nowMs });
  if (kind === 'prediction') {
    return fc
      .record({ model: nameArb, ts, iso: fc.boolean(), features: fc.dictionary(nameArb, featureValue, { maxKeys: 8 }), prediction: fc.oneof(finite, fc.string({ maxLength: 20 }), fc.boolean()), score: fc.option(finite), segments: fc.dictionary(nameArb, fc.string({ maxLength: 20 }), { maxKeys: 3 }) })
      .map((r) => (id) => ({ model: r.model, prediction_id: id, timestamp: r.iso ? new Date(r.ts).toISOString() : r.ts, features: r.features, prediction: r.prediction, score: r.score, segments: r.segments }));
  }
  if (kind === 'label') {
    return fc.record({ model: nameArb, ts, label: fc.oneof(finite, fc.string({ maxLength: 20 }), fc.boolean()) }).map((r) => (id) => ({ model: r.model, prediction_id: id, timestamp: r.ts, label: r.label }));
  }
  return fc
    .record({ pipeline: nameArb, ts, status: fc.constantFrom('started', 'succeeded', 'failed', 'skipped', 'heartbeat'), rows: fc.option(fc.nat()), task: fc.string({ maxLength: 30 }) })
    .map((r) => (id) => ({ event_id: id, pipeline: r.pipeline, run_id: 'run-' + id, task: r.task, status: r.status, timestamp: r.ts, rows_in: r.rows }));
}

/**
 * Turns a valid event into an invalid one, by construction, keeping its id in the text so that its
 * dead letter can be found. Returns the NDJSON line (or array element text) and whether it needs NDJSON
 * (a line that is not JSON at all spoils a JSON array as a whole).
 */
export const breakEvent: fc.Arbitrary<(e: Record<string, unknown>, kind: IngestKind) => { text: string; ndjsonOnly: boolean; why: string }> = fc
  .tuple(fc.constantFrom('bad_timestamp', 'too_old', 'unknown_key', 'bad_name', 'nan_literal', 'truncated', 'huge_literal', 'wrong_type', 'long_name'), fc.constantFrom(...NAN_SPELLINGS.slice(0, 9)))
  .map(([how, spelling]) => (e, kind) => {
    const nameKey = kind === 'pipeline_event' ? 'pipeline' : 'model';
    const j = (o: unknown) => JSON.stringify(o);
    switch (how) {
      case 'bad_timestamp': return { text: j({ ...e, timestamp: 'yesterday' }), ndjsonOnly: false, why: how };
      case 'too_old': return { text: j({ ...e, timestamp: Date.UTC(2001, 0, 1) }), ndjsonOnly: false, why: how };
      case 'unknown_key': return { text: j({ ...e, surprise: 1 }), ndjsonOnly: false, why: how };
      case 'bad_name': return { text: j({ ...e, [nameKey]: 'has space' }), ndjsonOnly: false, why: how };
      case 'long_name': return { text: j({ ...e, [nameKey]: 'n'.repeat(5000) }), ndjsonOnly: false, why: how };
      case 'wrong_type': return { text: j({ ...e, timestamp: { at: 1 } }), ndjsonOnly: false, why: how };
      case 'nan_literal': return { text: j({ ...e, timestamp: '__X__' }).replace('"__X__"', spelling), ndjsonOnly: true, why: how };
      case 'huge_literal': return { text: j({ ...e, timestamp: '__X__' }).replace('"__X__"', '1e400'), ndjsonOnly: false, why: how };
      default: { const t = j(e); return { text: t.slice(0, t.length - 1), ndjsonOnly: true, why: how }; }
    }
  });
