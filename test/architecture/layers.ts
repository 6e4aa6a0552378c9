/**
 * The project's layers, lowest first. A file may import its own folder, any lower layer, and
 * nothing else: never upward, and never a sibling feature (features talk through the declared
 * interfaces in core/contracts). Test support may import anything; product code may not import it.
 */
export const LAYERS: { name: string; folders: string[]; siblingsMayImport: boolean }[] = [
  { name: 'core', folders: ['core'], siblingsMayImport: false },
  { name: 'infrastructure', folders: ['storage', 'bus', 'http'], siblingsMayImport: false },
  { name: 'plug-in contract', folders: ['plugin'], siblingsMayImport: false },
  { name: 'features', folders: ['collector', 'sink', 'query', 'drift', 'alerting', 'cost', 'dashboards', 'demo', 'registry'], siblingsMayImport: false },
  // The composition root and the command line are the only code that knows every feature.
  { name: 'root', folders: ['app', 'cli'], siblingsMayImport: true },
];

/** Benchmarks and tests: they may import anything, and nothing in the product may import them. */
export function isTestSupport(file: string): boolean {
  const parts = file.split('/');
  return file.endsWith('.test.ts') || parts[0] === 'test' || parts[0] === 'bench' || parts.includes('testing') || parts.includes('testdata') || !file.includes('/');
}

export function folderOf(file: string): string {
  return file.split('/')[0]!;
}

export function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.folders.includes(folderOf(file)));
}

/** Why an import breaks the layering, or null when it is allowed. */
export function violation(from: string, to: string): string | null {
  if (isTestSupport(from)) return null;
  if (isTestSupport(to)) return 'product code imports test support';
  const a = layerOf(from);
  const b = layerOf(to);
  if (a < 0) return `${folderOf(from)}/ is in no layer (add it to test/architecture/layers.ts)`;
  if (b < 0) return `${folderOf(to)}/ is in no layer (add it to test/architecture/layers.ts)`;
  if (folderOf(from) === folderOf(to)) return null;
  if (b > a) return `${LAYERS[a]!.name} imports upward into ${LAYERS[b]!.name}`;
  if (b === a && !LAYERS[a]!.siblingsMayImport) return `${folderOf(from)}/ imports its sibling ${folderOf(to)}/ (use a declared interface in core/contracts)`;
  return null;
}
