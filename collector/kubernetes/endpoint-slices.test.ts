import type { V1EndpointSlice } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { targetsOf } from './endpoint-slices.js';

const pod = (name: string) => ({ kind: 'Pod', namespace: 'gpu-operator', name });
const slice = (addressType: string, endpoints: V1EndpointSlice['endpoints'], ports = [{ name: 'gpu-metrics', port: 9400 }]): V1EndpointSlice => ({
  metadata: { name: `s-${addressType}`, namespace: 'gpu-operator' },
  addressType,
  endpoints,
  ports,
});

describe('targets from EndpointSlices', () => {
  it('scrapes a dual-stack pod once, over IPv4, and brackets an IPv6-only pod address', () => {
    const v4 = slice('IPv4', [{ addresses: ['10.0.0.5'], nodeName: 'n1', targetRef: pod('a') }]);
    const v6 = slice('IPv6', [
      { addresses: ['fd00::5'], nodeName: 'n1', targetRef: pod('a') },
      { addresses: ['fd00::6'], nodeName: 'n2', targetRef: pod('b') },
    ]);
    expect(targetsOf([v6, v4], { port: 'gpu-metrics', path: '/metrics' })).toEqual([
      { url: 'http://10.0.0.5:9400/metrics', hostname: 'n1', pod: 'gpu-operator/a' },
      { url: 'http://[fd00::6]:9400/metrics', hostname: 'n2', pod: 'gpu-operator/b' },
    ]);
  });

  it('leaves out endpoints that are not ready, FQDN slices, and slices without the named port', () => {
    const s = slice('IPv4', [
      { addresses: ['10.0.0.1'], conditions: { ready: false }, nodeName: 'n1', targetRef: pod('starting') },
      { addresses: ['10.0.0.2'], nodeName: 'n2', targetRef: pod('ready-by-default') },
    ]);
    const fqdn = slice('FQDN', [{ addresses: ['exporter.example.com'] }]);
    const otherPort = slice('IPv4', [{ addresses: ['10.0.0.3'], targetRef: pod('c') }], [{ name: 'http', port: 80 }]);
    expect(targetsOf([s, fqdn, otherPort], { port: 'gpu-metrics', path: '/metrics' }).map((t) => t.url)).toEqual(['http://10.0.0.2:9400/metrics']);
    expect(targetsOf([otherPort], { port: 9400, path: '/m' })).toEqual([{ url: 'http://10.0.0.3:9400/m', pod: 'gpu-operator/c' }]);
  });
});
