import { createHash } from 'node:crypto';
import type { Membership } from '../../bus/bus.js';

/** The weight of a (member, target) pair: 64 bits of a hash of both, so every process computes the same. */
function weight(member: string, target: string): bigint {
  return createHash('sha256').update(member).update('\u0000').update(target).digest().readBigUInt64BE(0);
}

/**
 * Rendezvous (highest-random-weight) hashing: the owner of a target is the member with the highest
 * weight for it. When a member leaves, only its targets move (each to its next-highest member); when one
 * joins, it takes about 1/n of the targets from the others and nothing else moves. Null without members.
 */
export function ownerOf(target: string, members: readonly string[]): string | null {
  let best: string | null = null;
  let bestWeight = -1n;
  for (const m of members) {
    const w = weight(m, target);
    if (w > bestWeight || (w === bestWeight && best !== null && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

/**
 * The scraper's filter for a member of a scraper group: this process scrapes a target when it owns it
 * among the group's current members. Before it has joined (or while it is not in the member list it
 * last read) it scrapes nothing: the members that are in the group cover every target meanwhile.
 */
export function shardFilter(m: Membership): (url: string) => boolean {
  return (url) => {
    const self = m.self();
    const members = m.members();
    return self !== null && members.includes(self) && ownerOf(url, members) === self;
  };
}
