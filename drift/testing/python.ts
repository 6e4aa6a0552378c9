/**
 * Runs drift/stats/testdata/multivariate.py (NumPy, SciPy, scikit-learn) on data a test wrote, so the
 * multivariate and embedding statistics are checked against the reference implementations on the very
 * same numbers. The interpreter is the first of $MLOBS_PYTHON, python3, /usr/bin/python3 that imports
 * scikit-learn (Debian's python3-sklearn lives under /usr/bin/python3 even when another python3 is first
 * on PATH); test/run.sh installs the Debian packages.
 */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../stats/testdata/multivariate.py', import.meta.url));

function findPython(): string {
  const candidates = [process.env.MLOBS_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      execFileSync(c, ['-c', 'import numpy, scipy, sklearn'], { stdio: 'ignore' });
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error(`no python3 with numpy, scipy and scikit-learn among ${candidates.join(', ')}: apt-get install python3-numpy python3-scipy python3-sklearn (test/run.sh does)`);
}

let python: string | undefined;

/** Sends `spec` to the reference script and returns its answer. */
export function numpyReference<T>(spec: unknown): Promise<T> {
  python ??= findPython();
  return new Promise((resolve, reject) => {
    const child = execFile(python!, [SCRIPT], { maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${SCRIPT} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin!.end(JSON.stringify(spec));
  });
}
