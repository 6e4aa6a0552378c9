import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { alertingConfigSchema } from '../config.js';
import { findTool } from '../testing/stack.js';
import { prometheusRules, prometheusRulesYaml, promDuration } from './prometheus.js';

const GOLDEN = fileURLToPath(new URL('./testdata/rules.golden.yaml', import.meta.url));
const cfg = alertingConfigSchema.parse({
  slos: [
    { name: 'fraud-availability', service: 'fraud', sli: { type: 'availability', model: 'fraud-detector' }, objective: 0.99, annotations: { runbookUrl: 'https://runbooks.example/fraud' } },
    { name: 'fraud-latency', service: 'fraud', sli: { type: 'latency', model: 'fraud-detector', thresholdMs: 250 }, objective: 0.995, periodMs: '28d', ticket: false },
    { name: 'llm-ttft', service: 'chat', sli: { type: 'ttft', model: 'llama-3.1-8b', thresholdMs: 500 }, objective: 0.95, page: false },
    { name: 'features-freshness', sli: { type: 'freshness', pipeline: 'features-daily' }, objective: 0.9 },
  ],
});
const dir = mkdtempSync(join(tmpdir(), 'mlobs-promtool-'));
const promtool = () => findTool(['promtool'], 'prometheus');
const run = (args: string[]) => {
  try {
    return execFileSync(promtool(), args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (e: any) {
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
};

describe('mlobs slo export-prometheus', () => {
  it('writes the rules the golden file holds (set UPDATE_GOLDEN=1 to accept a deliberate change)', () => {
    const text = prometheusRulesYaml(cfg);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(promDuration(3 * 86_400_000)).toBe('3d');
    expect(text).toContain('record: slo:sli_error:ratio_rate5m');
    expect(text).toContain('record: slo:sli_error:ratio_rate3d');
    expect(text).toContain('(14.4 * 0.01)');
  });

  it('passes promtool check rules', () => {
    writeFileSync(join(dir, 'rules.yml'), prometheusRulesYaml(cfg));
    expect(run(['check', 'rules', 'rules.yml'])).toMatch(/SUCCESS: 62 rules found/);
  });

  it('fires the exported page alert on a synthetic series in promtool test rules, and stays quiet on a healthy one', () => {
    writeFileSync(join(dir, 'rules.yml'), prometheusRulesYaml(cfg));
    const alert = (prometheusRules(cfg).groups[2] as any).rules as any[];
    const page = alert.find((r) => r.labels.severity === 'page');
    const ticket = alert.find((r) => r.labels.severity === 'ticket');
    const sloth = { sloth_id: 'fraud-fraud-availability', sloth_service: 'fraud', sloth_slo: 'fraud-availability' };
    // 100 good and 20 bad events a minute: 16.7 % errors, above 14.4 × 1 % (page) and 3 × 1 % (ticket).
    const test = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'mlobs_slo_events_total{slo="fraud-availability",outcome="good"}', values: '0+100x120' },
            { series: 'mlobs_slo_events_total{slo="fraud-availability",outcome="bad"}', values: '0+0x30 0+20x90' },
          ],
          alert_rule_test: [
            { eval_time: '20m', alertname: 'ErrorBudgetBurn', exp_alerts: [] },
            {
              eval_time: '100m',
              alertname: 'ErrorBudgetBurn',
              exp_alerts: [
                // The series keep Sloth's identifying labels from the recording rules.
                { exp_labels: { ...page.labels, ...sloth }, exp_annotations: page.annotations },
                { exp_labels: { ...ticket.labels, ...sloth }, exp_annotations: ticket.annotations },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'test.yml'), stringify(test));
    expect(run(['test', 'rules', 'test.yml'])).toMatch(/SUCCESS/);
  });
});
