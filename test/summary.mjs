// Prints the plain closing line that CI reads: "tests: N passed, N failed, N skipped".
// A test file that fails to load has no failed tests of its own, so it counts as one failure.
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed')).length;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
if (r.numTotalTests === 0) {
  console.error('no test ran');
  process.exit(1);
}
if (r.numFailedTests + brokenFiles > 0) process.exit(1);
