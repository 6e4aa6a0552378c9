import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { cycles, importGraph } from './import-graph.js';
import { folderOf, isTestSupport, LAYERS, violation } from './layers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const edges = importGraph(ROOT);

describe('the import graph', () => {
  it('is read from the tree, type-only imports included', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.typeOnly)).toBe(true);
  });

  it('has every import pointing down a layer or within its folder, and none across features', () => {
    const bad = edges.flatMap((e) => {
      const why = violation(e.from, e.to);
      return why ? [`${e.from} -> ${e.to}${e.typeOnly ? ' (type-only)' : ''}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('places every product folder in a layer', () => {
    const product = new Set(edges.map((e) => e.from).filter((f) => !isTestSupport(f)).map(folderOf));
    const known = new Set(LAYERS.flatMap((l) => l.folders));
    expect([...product].filter((f) => !known.has(f))).toEqual([]);
  });
});

describe('the layer rules', () => {
  it.each([
    ['core/config.ts', 'drift/config.ts', 'core imports upward into features'],
    ['drift/module.ts', 'app/module.ts', 'features imports upward into root'],
    ['drift/signals.ts', 'alerting/signals.ts', 'drift/ imports its sibling alerting/ (use a declared interface in core/contracts)'],
    ['storage/x.ts', 'bus/bus.ts', 'storage/ imports its sibling bus/ (use a declared interface in core/contracts)'],
    ['alerting/bench.ts', 'test/helpers/process.ts', 'product code imports test support'],
    ['drift/x.ts', 'drift/testing/data.ts', 'product code imports test support'],
  ])('refuses %s -> %s', (from, to, why) => {
    expect(violation(from, to)).toBe(why);
  });

  it.each([
    ['drift/report/report.ts', 'storage/store.ts'],
    ['app/stack.ts', 'drift/module.ts'],
    ['cli/main.ts', 'app/stack.ts'],
    ['drift/report.test.ts', 'test/helpers/stack.ts'],
    ['bench/ingest.ts', 'test/helpers/process.ts'],
  ])('allows %s -> %s', (from, to) => {
    expect(violation(from, to)).toBeNull();
  });
});
