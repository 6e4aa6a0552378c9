import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { ScrapeTarget } from '../gpu/scraper.js';

/** Which port and path of each exporter pod to scrape: a number, or the name of a port of the Service. */
export interface TargetRule {
  port: number | string;
  path: string;
}

/** A target found in an EndpointSlice: the pod's own address (never the Service's), its node as host. */
export interface PodTarget extends ScrapeTarget {
  /** namespace/name of the pod, or its address when the endpoint names no pod. */
  pod: string;
}

function portOf(slice: V1EndpointSlice, rule: TargetRule): number | null {
  if (typeof rule.port === 'number') return rule.port;
  return slice.ports?.find((p) => p.name === rule.port)?.port ?? null;
}

const urlOf = (address: string, port: number, path: string, v6: boolean) => `http://${v6 ? `[${address}]` : address}:${port}${path}`;

/**
 * The exporter pods behind a set of EndpointSlices, one target per pod. Endpoints that say they are
 * not ready are left out (the API says an absent `ready` means ready). A pod of a dual-stack Service
 * appears in an IPv4 and an IPv6 slice: it is scraped once, over IPv4. FQDN slices name no pod.
 * Sorted by URL, so that equal inputs give equal lists. Pure.
 */
export function targetsOf(slices: Iterable<V1EndpointSlice>, rule: TargetRule): PodTarget[] {
  const ordered = [...slices].filter((s) => s.addressType === 'IPv4' || s.addressType === 'IPv6').sort((a, b) => (a.addressType === b.addressType ? 0 : a.addressType === 'IPv4' ? -1 : 1));
  const byPod = new Map<string, PodTarget>();
  for (const slice of ordered) {
    const port = portOf(slice, rule);
    if (port === null) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const address = ep.addresses[0];
      if (!address) continue;
      const ref = ep.targetRef;
      const pod = ref?.kind === 'Pod' && ref.name ? `${ref.namespace ?? slice.metadata?.namespace ?? ''}/${ref.name}` : address;
      if (byPod.has(pod)) continue;
      const target: PodTarget = { url: urlOf(address, port, rule.path, slice.addressType === 'IPv6'), pod };
      if (ep.nodeName) target.hostname = ep.nodeName;
      byPod.set(pod, target);
    }
  }
  return [...byPod.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}
