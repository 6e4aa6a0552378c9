/**
 * JUnit XML of the checks, the format CI systems (GitHub Actions test reporters, GitLab's
 * `artifacts:reports:junit`, Jenkins) show failing tests from: one <testcase> per check, a
 * <failure> when it failed. Text is escaped for XML; characters XML 1.0 cannot hold are dropped.
 */
import type { CheckResult } from './checks.js';

const xml = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

export function checkName(r: CheckResult): string {
  return r.feature === null ? r.check : `${r.check}: ${r.feature}`;
}

/** The whole document; `suite` names the comparison (e.g. "batch.parquet vs train.parquet"). */
export function junitXml(results: CheckResult[], suite: string, seconds: number): string {
  const failures = results.filter((r) => !r.passed).length;
  const cases = results.map((r) => {
    const head = `  <testcase classname="mlobs.drift.${xml(r.check)}" name="${xml(checkName(r))}" time="0">`;
    const text = `${r.value}; condition ${r.condition} (from the ${r.source})`;
    return r.passed
      ? `${head}<system-out>${xml(text)}</system-out></testcase>`
      : `${head}\n    <failure message="${xml(text)}" type="${xml(r.check)}">${xml(text)}</failure>\n  </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mlobs drift check" tests="${results.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">`,
    `<testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}">`,
    ...cases,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
