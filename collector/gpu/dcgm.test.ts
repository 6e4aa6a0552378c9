import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exactInteger } from './dcgm-blank.js';
import { isDcgmBlank, normaliseDcgmSeries, toGpuSamples } from './dcgm.js';
import { parseExposition } from './exposition.js';

const SAMPLE_FILE = new URL('./testdata/dcgm-exporter.txt', import.meta.url);
const NOW = 1_717_000_000_000;
const OPTS = { nowMs: NOW, source: 'http://gpu-node-a1:9400/metrics' };

function rows(text: string) {
  return toGpuSamples(parseExposition(text).families, OPTS);
}

function row(text: string) {
  return rows(text)[0]!;
}

describe('toGpuSamples maps the dcgm-exporter sample file', () => {
  const all = rows(readFileSync(SAMPLE_FILE, 'utf8'));
  const find = (metric: string, gpu: string, gpuIId = '') =>
    all.find((r) => r.metric === metric && r.gpu === gpu && r.gpuIId === gpuIId)!;

  it('emits one row per sample, stamped with nowMs and the source', () => {
    expect(all).toHaveLength(24);
    expect(new Set(all.map((r) => r.tsMs))).toEqual(new Set([NOW]));
    expect(new Set(all.map((r) => r.source))).toEqual(new Set([OPTS.source]));
  });

  it('lifts the identity labels of an allocated GPU into typed fields and keeps the rest verbatim', () => {
    expect(find('DCGM_FI_DEV_SM_CLOCK', '0')).toEqual({
      tsMs: NOW,
      metric: 'DCGM_FI_DEV_SM_CLOCK',
      metricType: 'gauge',
      value: 1980,
      hostname: 'gpu-node-a1',
      gpu: '0',
      uuid: 'GPU-3b1f0c2a-9d7e-4f41-8c55-1a2b3c4d5e01',
      pciBusId: '00000000:18:00.0',
      device: 'nvidia0',
      modelName: 'NVIDIA H100 80GB HBM3',
      gpuIProfile: '',
      gpuIId: '',
      namespace: 'team-vision',
      pod: 'resnet-train-7d9f8-0',
      container: 'trainer',
      labels: { DCGM_FI_DRIVER_VERSION: '550.54.15' },
      source: OPTS.source,
    });
  });

  it('gives the unallocated GPU empty pod fields and no empty pod labels', () => {
    const r = find('DCGM_FI_DEV_GPU_UTIL', '1');
    expect([r.namespace, r.pod, r.container]).toEqual(['', '', '']);
    expect(r.labels).toEqual({ DCGM_FI_DRIVER_VERSION: '550.54.15' });
  });

  it('maps the MIG profile and instance of each A100 slice', () => {
    const slice1 = find('DCGM_FI_PROF_GR_ENGINE_ACTIVE', '2', '1');
    const slice2 = find('DCGM_FI_PROF_GR_ENGINE_ACTIVE', '2', '2');
    expect([slice1.gpuIProfile, slice1.pod, slice1.value]).toEqual(['3g.20gb', 'ranker-serve-5c8b7-xk2p9', 0.382]);
    expect([slice2.gpuIProfile, slice2.pod, slice2.value]).toEqual(['3g.20gb', '', 0]);
    expect(slice1.modelName).toBe('NVIDIA A100-SXM4-40GB');
  });

  it('stores the blank sentinel 9223372036854775794 as null', () => {
    expect(find('DCGM_FI_DEV_MEMORY_TEMP', '1').value).toBeNull();
    expect(find('DCGM_FI_DEV_MEMORY_TEMP', '0').value).toBe(61);
    expect(all.filter((r) => r.value === null)).toHaveLength(1);
  });

  it('keeps energy counters above 2^31 as readings', () => {
    const energy = find('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', '0');
    expect([energy.metricType, energy.value]).toEqual(['counter', 1843299120411]);
  });

  it('keeps extra labels such as the XID error code', () => {
    expect(find('DCGM_FI_DEV_XID_ERRORS', '1').labels).toEqual({
      DCGM_FI_DRIVER_VERSION: '550.54.15',
      err_code: '79',
      err_msg: 'GPU has fallen off the bus',
    });
  });
});

describe('toGpuSamples chooses between label spellings', () => {
  it('takes hostname from the lower-case label newer exporters emit', () => {
    expect(row('m{hostname="n1"} 1').hostname).toBe('n1');
  });

  it('prefers Hostname over hostname and keeps a conflicting hostname in labels', () => {
    const r = row('m{Hostname="exporter-node",hostname="relabelled"} 1');
    expect(r.hostname).toBe('exporter-node');
    expect(r.labels).toEqual({ hostname: 'relabelled' });
  });

  it('drops a duplicate spelling that carries the same value', () => {
    expect(row('m{Hostname="n1",hostname="n1"} 1').labels).toEqual({});
  });

  it('falls back to hostname when Hostname is empty', () => {
    expect(row('m{Hostname="",hostname="n2"} 1').hostname).toBe('n2');
  });

  it('accepts the legacy lower-case uuid label', () => {
    expect(row('m{uuid="GPU-1"} 1').uuid).toBe('GPU-1');
  });

  it('prefers exported_* pod labels, which hold what the exporter reported after a scraper renamed them', () => {
    const r = row(
      'm{namespace="gpu-operator",pod="dcgm-exporter-x",container="exporter",' +
        'exported_namespace="team-vision",exported_pod="train-0",exported_container="trainer"} 1',
    );
    expect([r.namespace, r.pod, r.container]).toEqual(['team-vision', 'train-0', 'trainer']);
    expect(r.labels).toEqual({ namespace: 'gpu-operator', pod: 'dcgm-exporter-x', container: 'exporter' });
  });

  it('uses the plain pod labels when no exported_* label is set', () => {
    const r = row('m{namespace="ns",pod="p",container="c",exported_pod=""} 1');
    expect([r.namespace, r.pod, r.container]).toEqual(['ns', 'p', 'c']);
    expect(r.labels).toEqual({});
  });

  it('returns empty strings for absent identity labels', () => {
    const r = row('m 1');
    expect([r.hostname, r.gpu, r.uuid, r.pciBusId, r.device, r.modelName, r.gpuIProfile, r.gpuIId]).toEqual(
      Array(8).fill(''),
    );
  });
});

describe('toGpuSamples carries values, timestamps and types', () => {
  it('uses the sample timestamp when present', () => {
    expect(row('m 1 1600000000000').tsMs).toBe(1600000000000);
    expect(row('m 1 -5').tsMs).toBe(-5);
  });

  it('keeps NaN and infinities as numbers', () => {
    expect(rows('m{a="1"} NaN\nm{a="2"} +Inf\nm{a="3"} -Inf').map((r) => r.value)).toEqual([NaN, Infinity, -Infinity]);
  });

  it('keeps histogram suffixes in metric and le in labels', () => {
    const text = '# TYPE h histogram\nh_bucket{gpu="0",le="+Inf"} 4\nh_sum{gpu="0"} 2.5\nh_count{gpu="0"} 4';
    expect(rows(text).map((r) => [r.metric, r.metricType, r.labels])).toEqual([
      ['h_bucket', 'histogram', { le: '+Inf' }],
      ['h_sum', 'histogram', {}],
      ['h_count', 'histogram', {}],
    ]);
  });

  it('returns no rows for no families', () => {
    expect(toGpuSamples([], OPTS)).toEqual([]);
  });
});

describe('normaliseDcgmSeries, the one DCGM normaliser of every way in', () => {
  const series = (labels: Record<string, string>, resource?: Record<string, string>) =>
    normaliseDcgmSeries({ metric: 'DCGM_FI_DEV_GPU_UTIL', metricType: 'gauge', labels, value: 5, resource }, OPTS);

  it("keeps the data point's own pod, namespace and container over the resource's k8s attributes", () => {
    const r = series(
      { gpu: '0', namespace: 'team-vision', pod: 'train-0', container: 'trainer' },
      { 'k8s.pod.name': 'dcgm-exporter-x', 'k8s.namespace.name': 'gpu-operator', 'k8s.container.name': 'exporter' },
    );
    expect([r.namespace, r.pod, r.container]).toEqual(['team-vision', 'train-0', 'trainer']);
  });

  it("leaves an unallocated GPU unallocated rather than charging it to the exporter's pod", () => {
    const r = series({ gpu: '1' }, { 'k8s.pod.name': 'dcgm-exporter-x', 'k8s.namespace.name': 'gpu-operator' });
    expect([r.namespace, r.pod, r.container]).toEqual(['', '', '']);
    expect(r.labels).toEqual({});
  });

  it('takes the host from Hostname or hostname, else from the resource host.name', () => {
    expect(series({ Hostname: 'node-a' }, { 'host.name': 'collector-host' }).hostname).toBe('node-a');
    expect(series({ hostname: 'node-b' }, { 'host.name': 'collector-host' }).hostname).toBe('node-b');
    expect(series({}, { 'host.name': 'node-c' }).hostname).toBe('node-c');
    expect(series({}).hostname).toBe('');
  });

  it('drops empty labels, as Prometheus does, so a hop that dropped them changes nothing', () => {
    expect(series({ gpu: '0', err_msg: '', pod: '' })).toEqual(series({ gpu: '0' }));
  });

  it('recognises a sentinel that arrives as a double without its text', () => {
    const r = normaliseDcgmSeries({ metric: 'DCGM_FI_DEV_MEMORY_TEMP', metricType: 'gauge', labels: {}, value: 9223372036854775794 }, OPTS);
    expect(r.value).toBeNull();
  });

  it("judges a sentinel by the raw text when the source has it (an OTLP int64)", () => {
    const near = (raw: string) => normaliseDcgmSeries({ metric: 'm', metricType: 'counter', labels: {}, value: Number(raw), raw }, OPTS).value;
    expect(near('9223372036854775794')).toBeNull();
    expect(near('9223372036854775791')).toBe(Number('9223372036854775791'));
  });
});

describe('isDcgmBlank recognises DCGM sentinels exactly', () => {
  it.each([
    ['2147483632', 'DCGM_INT32_BLANK'],
    ['2147483633', 'DCGM_INT32_NOT_FOUND'],
    ['2147483634', 'DCGM_INT32_NOT_SUPPORTED'],
    ['2147483635', 'DCGM_INT32_NOT_PERMISSIONED'],
    ['2.147483632e+09', 'an int32 sentinel in exponent form'],
    ['9223372036854775792', 'DCGM_INT64_BLANK'],
    ['9223372036854775793', 'DCGM_INT64_NOT_FOUND'],
    ['9223372036854775794', 'DCGM_INT64_NOT_SUPPORTED'],
    ['9223372036854775795', 'DCGM_INT64_NOT_PERMISSIONED'],
    ['9223372036854775807', 'INT64_MAX, inside DCGM_INT64_IS_BLANK range'],
    ['9.223372036854776e+18', 'an int64 sentinel rounded by a float64 formatter'],
    ['140737488355328', 'DCGM_FP64_BLANK'],
    ['140737488355328.000000', 'DCGM_FP64_BLANK as dcgm-exporter prints doubles'],
    ['140737488355331.0', 'DCGM_FP64_NOT_PERMISSIONED'],
    ['1.40737488355329e+14', 'DCGM_FP64_NOT_FOUND in exponent form'],
  ])('treats %s as blank (%s)', (raw) => {
    expect(isDcgmBlank(raw, Number(raw))).toBe(true);
  });

  it.each([
    ['2147483631', 'just below the int32 sentinels'],
    ['2147483636', 'just above them: a real int64 reading'],
    ['2147483632.5', 'a fraction near a sentinel'],
    ['1843299120411', 'an energy counter in mJ'],
    ['9223372036854775791', 'just below DCGM_INT64_BLANK, though Number() rounds it to 2^63'],
    ['140737488355332', 'just above the fp64 sentinels'],
    ['140737488355328.5', 'a fraction next to DCGM_FP64_BLANK'],
    ['200000000000000', 'an integer counter beyond 2^47'],
    ['1e30', 'a huge float'],
    ['-2147483632', 'a negative value'],
    ['0', 'zero'],
  ])('keeps %s as a reading (%s)', (raw) => {
    expect(isDcgmBlank(raw, Number(raw))).toBe(false);
  });

  it('keeps NaN and infinities as readings', () => {
    expect([isDcgmBlank('NaN', NaN), isDcgmBlank('+Inf', Infinity), isDcgmBlank('-Inf', -Infinity)]).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('exactInteger reads decimal literals exactly', () => {
  it.each([
    ['0', 0n],
    ['-0.000', 0n],
    ['42', 42n],
    ['+42.000', 42n],
    ['4.2e1', 42n],
    ['4200e-2', 42n],
    ['9223372036854775794', 9223372036854775794n],
    ['-15', -15n],
  ])('reads %s as %s', (raw, expected) => {
    expect(exactInteger(raw)).toBe(expected);
  });

  it.each(['0.5', '1e-1', '1e41', 'NaN', '.', '', 'abc'])('returns null for %s', (raw) => {
    expect(exactInteger(raw)).toBeNull();
  });
});
