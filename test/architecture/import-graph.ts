import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One import or re-export of a project file by another, type-only ones included. */
export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

const SKIP = new Set(['node_modules', '.git', 'deploy', 'data', 'artifacts']);

/** Every .ts file under `root`, as paths relative to it. */
export function sourceFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(root, p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(root, p));
  }
  return out.sort();
}

// Static imports and re-exports (`import x from`, `import type`, `export … from`, bare `import '…'`)
// and dynamic `import('…')`, across line breaks. The TypeScript 7 package ships no parser API, so
// this reads the statements with patterns over the comment-stripped text.
const STATIC = /(?:^|[;\n}])\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Comments removed, strings left alone (a `//` inside a string is kept as is). */
function stripComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m, str) => str ?? ' ');
}

/** The project's own import edges, type-only imports and dynamic imports included. */
export function importGraph(root: string): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(root)) {
    const text = stripComments(readFileSync(join(root, file), 'utf8'));
    const add = (spec: string, typeOnly: boolean) => {
      if (!spec.startsWith('.')) return;
      const target = relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts');
      edges.push({ from: file, to: target, typeOnly });
    };
    for (const m of text.matchAll(STATIC)) add(m[3]!, Boolean(m[2]));
    for (const m of text.matchAll(DYNAMIC)) add(m[1]!, false);
  }
  return edges;
}

/** The cycles of a directed graph (Tarjan's strongly connected components of more than one file, or a self-loop). */
export function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) strong(v);
  return out;
}
