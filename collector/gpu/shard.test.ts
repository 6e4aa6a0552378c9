import { describe, expect, it } from 'vitest';
import { ownerOf, shardFilter } from './shard.js';

const targets = Array.from({ length: 300 }, (_, i) => `http://node-${i}:9400/metrics`);
const owners = (members: string[]) => new Map(targets.map((t) => [t, ownerOf(t, members)]));

describe('rendezvous hashing of scrape targets', () => {
  it('gives every target exactly one owner among the members, spread roughly evenly', () => {
    const o = owners(['a', 'b', 'c']);
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (const m of o.values()) counts[m!]!++;
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(60);
    expect(Object.values(counts).reduce((x, y) => x + y)).toBe(targets.length);
  });

  it('moves only the targets of a member that leaves, and only targets to a member that joins', () => {
    const before = owners(['a', 'b', 'c']);
    const after = owners(['a', 'c']);
    for (const t of targets) if (before.get(t) !== 'b') expect(after.get(t)).toBe(before.get(t));
    const joined = owners(['a', 'b', 'c', 'd']);
    for (const t of targets) if (joined.get(t) !== 'd') expect(joined.get(t)).toBe(before.get(t));
  });

  it('does not depend on the order members are listed in, and has no owner without members', () => {
    expect(owners(['c', 'a', 'b'])).toEqual(owners(['a', 'b', 'c']));
    expect(ownerOf(targets[0]!, [])).toBeNull();
  });

  it('lets a process scrape nothing until it is in the member list it read', () => {
    const m = { self: () => 'x' as string | null, members: () => ['a', 'b'] as readonly string[], onChange: () => {}, stop: async () => {} };
    expect(targets.filter(shardFilter(m))).toEqual([]);
    m.members = () => ['x'];
    expect(targets.filter(shardFilter(m))).toHaveLength(targets.length);
  });
});
