// A user's clone has nothing beside it: no file of the project may reach outside the repository for
// test data or anything else (the rule of issue 9). This scans the tree for paths that climb to a
// sibling `shared` folder, the place such data used to be read from.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/process.js';

// Folders that are not the project's own text: dependencies, git, caches and run outputs (all ignored by git).
const SKIP = new Set(['node_modules', '.git', '.cache', 'data', 'artifacts', '.mlobs', '.gl', '.whl']);
const TEXT = /\.(ts|js|mjs|cjs|json|ya?ml|sh|md|txt|sql|toml|properties)$|^Dockerfile/;
// A relative path climbing (any number of parent steps) into a `shared` folder, or the absolute
// checkout path it pointed at; built from parts so that this file does not match itself.
const OUTSIDE = new RegExp(['(\\.\\./)+', 'shared/', '|', '/work/', 'shared\\b'].join(''));

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) files(p, out);
    else if (TEXT.test(name) && st.size < 5_000_000) out.push(p);
  }
  return out;
}

describe('the repository is self-contained', () => {
  it('has no file that reads from a shared folder outside the repository', () => {
    const all = files(REPO);
    expect(all.length).toBeGreaterThan(100);
    const offenders = all.filter((p) => OUTSIDE.test(readFileSync(p, 'utf8'))).map((p) => relative(REPO, p));
    expect(offenders).toEqual([]);
  });

  it('keeps the DCGM sample the GPU tests read inside the repository', () => {
    expect(readFileSync(new URL('../collector/gpu/testdata/dcgm-exporter.txt', import.meta.url), 'utf8')).toMatch(/^DCGM_FI_DEV_GPU_UTIL\{/m);
  });
});
