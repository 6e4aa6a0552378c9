import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMlobs } from '../test/helpers/process.js';
import { eventually, testStack } from '../test/helpers/stack.js';
import { findTool } from './testing/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'mlobs-alert-cli-'));
const slos = [{ name: 'web-availability', sli: { type: 'availability', model: 'web' }, objective: 0.99 }];
let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ alerting: { evaluationIntervalMs: 100, slos: slos as any } });
});
afterAll(async () => s?.stop());

/** Runs the CLI as a user would; resolves with exit code and output. */
function mlobs(args: string[]): Promise<{ code: number; out: string }> {
  const child = spawnMlobs(args, { MLOBS_URL: s.url });
  return new Promise((r) => child.once('exit', (code) => r({ code: code ?? -1, out: child.output() })));
}

describe('the alerting commands', () => {
  it('mlobs slo export-prometheus writes rules that promtool accepts, and refuses an unknown pipeline with exit code 2', async () => {
    writeFileSync(join(dir, 'ok.yml'), stringify({ alerting: { slos } }));
    const ok = await mlobs(['slo', 'export-prometheus', '--config', join(dir, 'ok.yml'), '--out', join(dir, 'rules.yml')]);
    expect(ok.code, ok.out).toBe(0);
    expect(readFileSync(join(dir, 'rules.yml'), 'utf8')).toContain('alert: ErrorBudgetBurn');
    expect(execFileSync(findTool(['promtool'], 'prometheus'), ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    writeFileSync(join(dir, 'bad.yml'), stringify({ alerting: { slos: [{ name: 'f', sli: { type: 'freshness', pipeline: 'nightly' }, objective: 0.9 }] } }));
    const bad = await mlobs(['slo', 'export-prometheus', '--config', join(dir, 'bad.yml')]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/alerting\.slos\.0\.sli\.pipeline: unknown pipeline "nightly"/);
  });

  it('mlobs alerts and mlobs slo status show what fires, since when, why, and the budget left', async () => {
    await s.post('/v1/predictions', Array.from({ length: 5 }, (_, i) => ({ model: 'web', prediction_id: `w${i}`, timestamp: Date.now(), features: {}, prediction: 1, status: 'error' })));
    await eventually(async () => ((await (await fetch(`${s.url}/v1/alerts?state=firing`)).json()) as any).alerts, (a: any[]) => a.length > 0);
    const alerts = await mlobs(['alerts']);
    expect(alerts.code, alerts.out).toBe(0);
    expect(alerts.out).toMatch(/FIRING ErrorBudgetBurn page/);
    expect(alerts.out).toMatch(/since: +\d{4}-\d\d-\d\dT.* min ago\)/);
    expect(alerts.out).toMatch(/why: +error ratio 100 % over 1h and 100 % over 5m/);
    const status = await mlobs(['slo', 'status']);
    expect(status.code, status.out).toBe(0);
    expect(status.out).toMatch(/web-availability.*99\.000 %.*FIRING/);
  });

  it('mlobs silence add, list and expire, with author and comment', async () => {
    const add = await mlobs(['silence', 'add', '--author', 'ana', '--comment', 'known incident', '--duration', '1h', 'slo="web-availability"']);
    expect(add.code, add.out).toBe(0);
    const id = add.out.trim().split('\n').at(-1)!;
    const list = await mlobs(['silence', 'list', '--json']);
    expect(JSON.parse(list.out.slice(list.out.indexOf('[')))).toContainEqual(expect.objectContaining({ id, createdBy: 'ana', comment: 'known incident', state: 'active' }));
    const firing = ((await (await fetch(`${s.url}/v1/alerts?state=firing`)).json()) as any).alerts;
    expect(firing.find((a: any) => a.labels.severity === 'page').silencedBy).toEqual([id]);
    const exp = await mlobs(['silence', 'expire', id]);
    expect(exp.out).toContain(`expired ${id}`);
  });
});
