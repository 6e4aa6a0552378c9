import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import { buildRow } from './rows.js';
import { otelLogsDdl, otelMetricTablesDdl } from './migrations-otel.js';
import { validateEvent } from '../core/schemas/validate.js';

const golden = (table: string) =>
  readFileSync(new URL(`./testdata/otel/${table}.sql`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .trim()
    .replace(/;$/, '');

// The exporter's columns and types (sqltemplates at the commits named in migrations-otel.ts), as
// the engine reports them: the contract Grafana's OpenTelemetry mode reads.
const exemplars = [
  ['Exemplars.FilteredAttributes', 'Array(Map(LowCardinality(String), String))'],
  ['Exemplars.TimeUnix', 'Array(DateTime64(9))'],
  ['Exemplars.Value', 'Array(Float64)'],
  ['Exemplars.SpanId', 'Array(String)'],
  ['Exemplars.TraceId', 'Array(String)'],
];
const metricHead = [
  ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
  ['ResourceSchemaUrl', 'String'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['ScopeAttributes', 'Map(LowCardinality(String), String)'],
  ['ScopeDroppedAttrCount', 'UInt32'],
  ['ScopeSchemaUrl', 'String'],
  ['ServiceName', 'LowCardinality(String)'],
  ['MetricName', 'String'],
  ['MetricDescription', 'String'],
  ['MetricUnit', 'String'],
  ['Attributes', 'Map(LowCardinality(String), String)'],
  ['StartTimeUnix', 'DateTime64(9)'],
  ['TimeUnix', 'DateTime64(9)'],
];
const EXPORTER_COLUMNS: Record<string, string[][]> = {
  otel_metrics_gauge: [...metricHead, ['Value', 'Float64'], ['Flags', 'UInt32'], ...exemplars],
  otel_metrics_sum: [...metricHead, ['Value', 'Float64'], ['Flags', 'UInt32'], ...exemplars, ['AggregationTemporality', 'Int32'], ['IsMonotonic', 'Bool']],
  otel_metrics_histogram: [
    ...metricHead,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['BucketCounts', 'Array(UInt64)'],
    ['ExplicitBounds', 'Array(Float64)'],
    ...exemplars,
    ['Flags', 'UInt32'],
    ['Min', 'Float64'],
    ['Max', 'Float64'],
    ['AggregationTemporality', 'Int32'],
  ],
  otel_logs: [
    ['Timestamp', 'DateTime64(9)'],
    ['TimestampTime', 'DateTime'],
    ['TraceId', 'String'],
    ['SpanId', 'String'],
    ['TraceFlags', 'UInt8'],
    ['SeverityText', 'LowCardinality(String)'],
    ['SeverityNumber', 'UInt8'],
    ['ServiceName', 'LowCardinality(String)'],
    ['Body', 'String'],
    ['ResourceSchemaUrl', 'LowCardinality(String)'],
    ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
    ['ScopeSchemaUrl', 'LowCardinality(String)'],
    ['ScopeName', 'String'],
    ['ScopeVersion', 'LowCardinality(String)'],
    ['ScopeAttributes', 'Map(LowCardinality(String), String)'],
    ['LogAttributes', 'Map(LowCardinality(String), String)'],
    ['EventName', 'String'],
  ],
};

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack();
});
afterAll(async () => {
  await s?.stop();
});

describe('the OpenTelemetry metric and log tables', () => {
  const ddl = { ...otelMetricTablesDdl('mlobs', 30), otel_logs: otelLogsDdl('mlobs', 30) };

  it.each(Object.keys(EXPORTER_COLUMNS))('renders %s exactly as its golden DDL', (table) => {
    expect(ddl[table as keyof typeof ddl]).toBe(golden(table));
  });

  it.each(Object.keys(EXPORTER_COLUMNS))("gives %s the exporter's column names and types, in its order", async (table) => {
    const cols = await s.sql(`SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`, { t: table });
    expect(cols.map((c) => [c.name, c.type])).toEqual(EXPORTER_COLUMNS[table]);
  });

  it('stores a resent gauge data point once, and a second instance of the service beside it', async () => {
    const point = {
      resource_attributes: { 'service.name': 'resend', 'service.instance.id': 'a' },
      service_name: 'resend',
      metric_name: 'queue_depth',
      attributes: { queue: 'q1' },
      time_unix_nano: String(BigInt(Date.now()) * 1_000_000n + 123_456n),
      value: 3,
      exemplars: [{ time_unix_nano: '1700000000000000001', value: 'NaN', trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' }],
    };
    const rows = [point, point, { ...point, resource_attributes: { 'service.name': 'resend', 'service.instance.id': 'b' } }].map((p) => {
      const v = validateEvent('otel_metric_gauge', p);
      if (!v.ok) throw new Error(v.error);
      return buildRow('otel_metric_gauge', v.event, { receivedAtMs: 0, id: 'x' });
    });
    await s.store.insert('otel_metrics_gauge', rows.slice(0, 1));
    await s.store.insert('otel_metrics_gauge', rows.slice(1));
    const got = await s.sql(
      `SELECT ResourceAttributes['service.instance.id'] inst, toString(TimeUnix) t, Value v, Exemplars.TraceId tid, isNaN(Exemplars.Value[1]) nan FROM otel_metrics_gauge FINAL WHERE ServiceName = 'resend' ORDER BY inst`,
    );
    const t = `${point.time_unix_nano.slice(0, -9)}.${point.time_unix_nano.slice(-9)}`;
    const iso = new Date(Number(point.time_unix_nano.slice(0, -9)) * 1000).toISOString().replace('T', ' ').slice(0, 19) + t.slice(-10);
    expect(got).toEqual([
      { inst: 'a', t: iso, v: 3, tid: ['0af7651916cd43dd8448eb211c80319c'], nan: 1 },
      { inst: 'b', t: iso, v: 3, tid: ['0af7651916cd43dd8448eb211c80319c'], nan: 1 },
    ]);
  });
});
