import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, type ExpositionErrorReason, type MetricFamily } from './exposition.js';

const SAMPLE_FILE = new URL('./testdata/dcgm-exporter.txt', import.meta.url);

function families(text: string): MetricFamily[] {
  return parseExposition(text).families;
}

function only(text: string) {
  const [family] = families(text);
  return family!.samples[0]!;
}

function rejection(text: string): ExpositionError {
  try {
    parseExposition(text);
  } catch (err) {
    if (err instanceof ExpositionError) return err;
    throw err;
  }
  throw new Error('expected an ExpositionError');
}

function expectRejected(text: string, line: number, reason: ExpositionErrorReason): void {
  const err = rejection(text);
  expect({ line: err.line, reason: err.reason }).toEqual({ line, reason });
  expect(err.message).toContain(`line ${line}`);
}

/** The escaping a correct producer applies to label values. */
function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

describe('parseExposition reads samples', () => {
  it('reads a sample without labels as an untyped family with empty help', () => {
    expect(families('up 1\n')).toEqual([
      { name: 'up', type: 'untyped', help: '', samples: [{ name: 'up', labels: {}, value: 1, raw: '1' }] },
    ]);
  });

  it('reads labels, HELP and TYPE into one family in input order', () => {
    const text = [
      '# HELP http_requests Requests served.',
      '# TYPE http_requests counter',
      'http_requests{method="get",code="200"} 1027',
      'http_requests{method="post",code="400"} 3',
      'other 2',
    ].join('\n');
    const [first, second] = families(text);
    expect(first).toMatchObject({ name: 'http_requests', type: 'counter', help: 'Requests served.' });
    expect(first!.samples.map((s) => s.labels)).toEqual([
      { method: 'get', code: '200' },
      { method: 'post', code: '400' },
    ]);
    expect(second!.name).toBe('other');
  });

  it('accepts colons in metric names', () => {
    expect(only('job:requests:rate5m 0.5').name).toBe('job:requests:rate5m');
  });

  it('accepts an empty label set and a trailing comma', () => {
    expect(only('m{} 1').labels).toEqual({});
    expect(only('m{a="1",b="2",} 1').labels).toEqual({ a: '1', b: '2' });
  });

  it('allows blanks and tabs between every token and around the line', () => {
    const s = only(' \t m \t{ a = "x" ,\tb="y" , } \t 4 \t 1000 \t');
    expect(s).toEqual({ name: 'm', labels: { a: 'x', b: 'y' }, value: 4, raw: '4', timestampMs: 1000 });
  });

  it('allows the value to follow the closing brace directly', () => {
    expect(only('m{a="x"}7').value).toBe(7);
  });

  it('keeps a label named __proto__ as an ordinary own label', () => {
    const s = only('m{__proto__="x"} 1');
    expect(Object.keys(s.labels)).toEqual(['__proto__']);
    expect(s.labels['__proto__']).toBe('x');
  });

  it('keeps unicode, spaces, braces and commas inside label values verbatim', () => {
    expect(only('m{a="héllo wörld {x}, =y 🚀"} 1').labels.a).toBe('héllo wörld {x}, =y 🚀');
  });
});

describe('parseExposition decodes escapes', () => {
  it('decodes backslash, quote and newline escapes in label values', () => {
    expect(only('m{a="back\\\\slash",b="say \\"hi\\"",c="two\\nlines"} 1').labels).toEqual({
      a: 'back\\slash',
      b: 'say "hi"',
      c: 'two\nlines',
    });
  });

  it('decodes an escaped backslash right before the closing quote', () => {
    expect(only('m{a="ends with \\\\"} 1').labels.a).toBe('ends with \\');
  });

  it('decodes backslash and newline escapes in HELP and leaves quotes literal there', () => {
    const [f] = families('# HELP m A \\\\ path\\nsecond "line"\nm 1');
    expect(f!.help).toBe('A \\ path\nsecond "line"');
  });

  it('accepts HELP without text as empty help', () => {
    expect(families('# HELP m\nm 1')[0]!.help).toBe('');
  });

  it('rejects an unknown escape in a label value', () => {
    expectRejected('m 1\nm{a="tab\\there"} 1', 2, 'bad_escape');
  });

  it('rejects an escaped quote in HELP, where only \\\\ and \\n are defined', () => {
    expectRejected('# HELP m say \\"hi\\"', 1, 'bad_escape');
  });

  it('rejects a HELP text ending in a lone backslash', () => {
    expectRejected('# HELP m dangling \\', 1, 'bad_escape');
  });
});

describe('parseExposition reads values and timestamps', () => {
  it.each([
    ['NaN', NaN],
    ['nan', NaN],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['-Inf', -Infinity],
    ['+inf', Infinity],
    ['-Infinity', -Infinity],
    ['0', 0],
    ['-17', -17],
    ['+3', 3],
    ['3.25', 3.25],
    ['1.', 1],
    ['.5', 0.5],
    ['-.5e3', -500],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['6.02e+23', 6.02e23],
    ['1e-400', 0],
  ])('reads the value %s', (raw, value) => {
    const s = only(`m ${raw}`);
    expect(s.value).toBe(value);
    expect(s.raw).toBe(raw);
  });

  it('keeps the raw text of integers beyond 2^53 so they stay exact', () => {
    const s = only('m 9223372036854775794');
    expect(s.raw).toBe('9223372036854775794');
    expect(BigInt(s.raw)).toBe(0x7ffffffffffffff2n);
    expect(s.value).toBe(9223372036854775807);
  });

  it.each(['1x', '0x10', '1e', '1e+', 'e5', '.', '+', '--1', '1_000', '+NaN', 'Infinit', '1e400', '-1e400', '1,5', 'one'])(
    'rejects the value %s',
    (raw) => {
      expectRejected(`# c\nm{a="b"} ${raw}`, 2, 'bad_value');
    },
  );

  it('rejects a sample without a value', () => {
    expectRejected('m{a="b"}', 1, 'missing_value');
    expectRejected('m', 1, 'missing_value');
  });

  it('reads positive, negative and absent timestamps in milliseconds', () => {
    expect(only('m 1 1712345678901').timestampMs).toBe(1712345678901);
    expect(only('m 1 -1000').timestampMs).toBe(-1000);
    expect(only('m 1 +5').timestampMs).toBe(5);
    expect('timestampMs' in only('m 1')).toBe(false);
  });

  it.each(['1.5', '1e3', 'abc', '-', '99999999999999999999'])('rejects the timestamp %s', (ts) => {
    expectRejected(`m 1 ${ts}`, 1, 'bad_timestamp');
  });

  it('rejects anything after the timestamp', () => {
    expectRejected('m 1\nm 1 1000 extra', 2, 'trailing_garbage');
    expectRejected('m 1 1000 2000', 1, 'trailing_garbage');
  });
});

describe('parseExposition groups histograms and summaries', () => {
  const histogram = [
    '# HELP latency_seconds Request latency.',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{le="0.1"} 3',
    'latency_seconds_bucket{le="1"} 7',
    'latency_seconds_bucket{le="+Inf"} 9',
    'latency_seconds_sum 4.5',
    'latency_seconds_count 9',
  ].join('\n');

  it('attributes _bucket, _sum and _count series to the declared histogram family', () => {
    const [f] = families(histogram);
    expect(families(histogram)).toHaveLength(1);
    expect(f!.type).toBe('histogram');
    expect(f!.samples.map((s) => s.name)).toEqual([
      'latency_seconds_bucket',
      'latency_seconds_bucket',
      'latency_seconds_bucket',
      'latency_seconds_sum',
      'latency_seconds_count',
    ]);
    expect(f!.samples[2]!.labels.le).toBe('+Inf');
  });

  it('attributes quantile, _sum and _count series to the declared summary family', () => {
    const text = [
      '# TYPE rpc_seconds summary',
      'rpc_seconds{quantile="0.5"} 0.01',
      'rpc_seconds{quantile="0.99"} NaN',
      'rpc_seconds_sum 12.5',
      'rpc_seconds_count 1000',
    ].join('\n');
    const fs = families(text);
    expect(fs).toHaveLength(1);
    expect(fs[0]!.type).toBe('summary');
    expect(fs[0]!.samples.map((s) => [s.name, s.labels.quantile])).toEqual([
      ['rpc_seconds', '0.5'],
      ['rpc_seconds', '0.99'],
      ['rpc_seconds_sum', undefined],
      ['rpc_seconds_count', undefined],
    ]);
  });

  it('keeps _sum of an untyped name as its own family', () => {
    expect(families('x 1\nx_sum 2').map((f) => f.name)).toEqual(['x', 'x_sum']);
  });

  it('does not give a summary a _bucket series', () => {
    expect(families('# TYPE s summary\ns_bucket 1').map((f) => f.name)).toEqual(['s', 's_bucket']);
  });

  it('rejects a bucket without le, or with a non-numeric le', () => {
    expectRejected('# TYPE h histogram\nh_bucket{x="1"} 1', 2, 'missing_le');
    expectRejected('# TYPE h histogram\nh_bucket{le="big"} 1', 2, 'bad_le');
  });

  it('rejects a histogram sample without a suffix', () => {
    expectRejected('# TYPE h histogram\nh 1', 2, 'bad_histogram_sample');
  });

  it('rejects a summary quantile series without a valid quantile label', () => {
    expectRejected('# TYPE s summary\ns 1', 2, 'missing_quantile');
    expectRejected('# TYPE s summary\ns{quantile="p99"} 1', 2, 'bad_quantile');
  });
});

describe('parseExposition validates names and labels', () => {
  it.each(['1abc 1', 'a-b 1', '{a="b"} 1', 'é 1'])('rejects the metric name in %s', (line) => {
    expectRejected(line, 1, 'bad_metric_name');
  });

  it.each(['m{1a="x"} 1', 'm{a-b="x"} 1', 'm{a:b="x"} 1', 'm{,} 1'])('rejects the label name in %s', (line) => {
    expectRejected(line, 1, 'bad_label_name');
  });

  it('rejects the reserved label __name__', () => {
    expectRejected('m{__name__="x"} 1', 1, 'reserved_label');
  });

  it('rejects a label name given twice in one sample', () => {
    expectRejected('m{a="1"} 1\nm{a="1",b="2",a="3"} 1', 2, 'duplicate_label');
  });

  it.each([
    ['m{a} 1', 'a label without ='],
    ['m{a=x} 1', 'an unquoted value'],
    ['m{a="x" b="y"} 1', 'a missing comma'],
    ['m{a="x"', 'a missing closing brace'],
    ['m{a="x",', 'a set ending after a comma'],
  ])('rejects %s (%s)', (line) => {
    expectRejected(line, 1, 'bad_label');
  });

  it('rejects an unterminated label value', () => {
    expectRejected('m 1\n\nm{a="never closed} 1', 3, 'unterminated_quote');
    expectRejected('m{a="escaped quote at end\\"} 1', 1, 'unterminated_quote');
  });
});

describe('parseExposition validates HELP and TYPE', () => {
  it('rejects a second TYPE for a family', () => {
    expectRejected('# TYPE m gauge\n# TYPE m gauge\nm 1', 2, 'duplicate_type');
  });

  it('rejects a TYPE that comes after the family’s samples', () => {
    expectRejected('m 1\n# TYPE m gauge', 2, 'type_after_samples');
  });

  it('rejects a second HELP for a family', () => {
    expectRejected('# HELP m one\n# HELP m two', 2, 'duplicate_help');
  });

  it.each(['# TYPE m histogramm', '# TYPE m Gauge', '# TYPE m int'])('rejects the unknown type in %s', (line) => {
    expectRejected(line, 1, 'unknown_type');
  });

  it('rejects a TYPE without a type or with extra tokens', () => {
    expectRejected('# TYPE m', 1, 'bad_type');
    expectRejected('# TYPE m gauge extra', 1, 'bad_type');
    expectRejected('# TYPE', 1, 'bad_type');
  });

  it('rejects a HELP without a metric name', () => {
    expectRejected('# HELP', 1, 'bad_help');
  });

  it('rejects an invalid metric name in HELP or TYPE', () => {
    expectRejected('# HELP 9m text', 1, 'bad_metric_name');
    expectRejected('# TYPE m-x gauge', 1, 'bad_metric_name');
  });

  it('ignores other comments, including ones that merely start like HELP', () => {
    const fs = families('#\n# just a note\n#HELPER m x\n# HELPm x\n   # indented\nm 1');
    expect(fs).toEqual([{ name: 'm', type: 'untyped', help: '', samples: [{ name: 'm', labels: {}, value: 1, raw: '1' }] }]);
  });

  it('accepts HELP and TYPE without a blank after #', () => {
    expect(families('#HELP m text\n#TYPE m gauge\nm 1')[0]).toMatchObject({ help: 'text', type: 'gauge' });
  });

  it('keeps families declared by HELP/TYPE alone, with no samples', () => {
    expect(families('# TYPE idle gauge')).toEqual([{ name: 'idle', type: 'gauge', help: '', samples: [] }]);
  });
});

describe('parseExposition handles line endings', () => {
  it('parses CRLF the same as LF', () => {
    const lf = '# HELP m Help.\n# TYPE m gauge\nm{a="x"} 1 5\n\nm{a="y"} 2\n';
    expect(families(lf.replace(/\n/g, '\r\n'))).toEqual(families(lf));
  });

  it('parses input without a final newline', () => {
    expect(only('m 42').value).toBe(42);
    expect(only('m 42\r').value).toBe(42);
  });

  it('ignores empty and whitespace-only lines but still counts them for error lines', () => {
    expectRejected('\n  \n\t\r\nm 1\n\nm x\n', 6, 'bad_value');
  });

  it('parses the empty string as no families', () => {
    expect(families('')).toEqual([]);
  });

  it('reports 1-based line numbers with CRLF input', () => {
    expectRejected('m 1\r\nm 2\r\nm{a="\\q"} 3\r\n', 3, 'bad_escape');
  });
});

describe('parseExposition reads the dcgm-exporter sample file', () => {
  const text = readFileSync(SAMPLE_FILE, 'utf8');

  it('parses all 48 lines into 11 families and 24 samples', () => {
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(48);
    const fs = families(text);
    expect(fs).toHaveLength(11);
    expect(fs.reduce((n, f) => n + f.samples.length, 0)).toBe(24);
    expect(fs.find((f) => f.name === 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')?.type).toBe('counter');
    expect(fs.find((f) => f.name === 'DCGM_FI_DEV_SM_CLOCK')?.help).toBe('SM clock frequency (in MHz).');
  });

  it('reads the MIG instance labels and the Hostname label', () => {
    const gr = families(text).find((f) => f.name === 'DCGM_FI_PROF_GR_ENGINE_ACTIVE')!;
    const mig = gr.samples.filter((s) => s.labels.GPU_I_PROFILE !== undefined);
    expect(mig.map((s) => [s.labels.GPU_I_PROFILE, s.labels.GPU_I_ID, s.labels.Hostname])).toEqual([
      ['3g.20gb', '1', 'gpu-node-a1'],
      ['3g.20gb', '2', 'gpu-node-a1'],
    ]);
  });

  it('keeps the raw text of the blank sentinel', () => {
    const temp = families(text).find((f) => f.name === 'DCGM_FI_DEV_MEMORY_TEMP')!;
    expect(temp.samples[1]!.raw).toBe('9223372036854775794');
  });
});

// Property tests: anything a correct producer renders must come back exactly.
describe('parseExposition round-trips what a correct producer renders', () => {
  const tricky = fc.constantFrom('"', '\\', '\n', '\\n', '\\"', '\r', '\t', ' ', '{', '}', ',', '=', '#');
  const unit = fc.oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
  const labelValue = fc.string({ unit, maxLength: 24 });
  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => n !== '__name__');

  it('recovers arbitrary unicode label values, quotes, backslashes and newlines included', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(labelName, labelValue), { selector: ([n]) => n, maxLength: 5 }), (pairs) => {
        const rendered = pairs.map(([n, v]) => `${n}="${escapeLabelValue(v)}"`).join(',');
        const s = only(`m{${rendered}} 1\n`);
        expect(s.labels).toEqual(Object.fromEntries(pairs));
      }),
      { numRuns: 500 },
    );
  });

  it('recovers arbitrary HELP text', () => {
    // Leading/trailing blanks are insignificant in the format, so the generator avoids them.
    const help = fc.string({ unit, maxLength: 40 }).map((h) => h.replace(/^[ \t]+|[ \t\r]+$/g, ''));
    fc.assert(
      fc.property(help, (text) => {
        const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
        expect(families(`# HELP m ${escaped}\nm 1`)[0]!.help).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('recovers any double value and integer timestamp', () => {
    fc.assert(
      fc.property(fc.double(), fc.option(fc.maxSafeInteger(), { nil: undefined }), (v, ts) => {
        const rendered = Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
        const s = only(ts === undefined ? `m ${rendered}` : `m ${rendered} ${ts}`);
        expect(s.value).toBe(Object.is(v, -0) ? 0 : v);
        expect(s.timestampMs).toBe(ts === undefined ? undefined : ts + 0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseExposition performance', () => {
  it('parses a 1 MB exposition in linear time', () => {
    const line = (i: number) =>
      `DCGM_FI_DEV_GPU_UTIL{gpu="${i % 8}",UUID="GPU-${i}",Hostname="node-${i % 50}",pod="p\\"q\\\\${i}",container=""} ${i}.5 1712345678901\n`;
    let text = '# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n';
    for (let i = 0; text.length < 1_000_000; i++) text += line(i);
    parseExposition(text); // warm-up so JIT compilation is not what gets measured
    const start = performance.now();
    const [f] = parseExposition(text).families;
    const elapsed = performance.now() - start;
    expect(f!.samples.length).toBeGreaterThan(7000);
    // Budget is loose on purpose (shared CI machines); it exists to catch accidental quadratic behaviour.
    expect(elapsed).toBeLessThan(500);
  });
});
