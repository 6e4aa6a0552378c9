// Prints the plain closing line that CI reads: "tests: N passed, N failed, N skipped".
// A test file that fails to load has no failed tests of its own, so it counts as one failure.
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed')).length;
// Vitest exits non-zero for errors outside any test (an unhandled rejection, say) while every test
// passed: count that as one failure, so the closing line never reads green for a red run.
const vitestStatus = Number(process.argv[3] ?? 0);
const outside = vitestStatus !== 0 && r.numFailedTests + brokenFiles === 0 ? 1 : 0;
if (outside) console.error('vitest reported an error outside the tests (see "Unhandled Errors" above)');
const failed = r.numFailedTests + brokenFiles + outside;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
if (r.numTotalTests === 0) {
  console.error('no test ran');
  process.exit(1);
}
if (failed > 0) process.exit(1);
