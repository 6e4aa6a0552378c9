import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../app/config.js';
import { silentLogger } from '../../core/log.js';
import { makePredictions, rng } from '../../demo/traffic.js';
import { testStack } from '../../test/helpers/stack.js';
import type { DriftReport, FeatureReport } from '../report/types.js';
import { createDriftGauges } from '../schedule/gauges.js';
import { evaluateWindow } from '../schedule/scheduler.js';
import { DAY, day, postAll } from '../testing/data.js';
import { collectDriftHtmlInput, writeDriftHtml } from './collect.js';
import { StackClient } from '../../http/client.js';
import { renderDriftHtml } from './render.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test/artifacts/', import.meta.url));
const MODEL = 'fraud-detector';
const REF = day(3);
const CUR = day(4);
const CHUNK = 6 * 3_600_000;
const drift = { models: [{ model: MODEL, positiveClass: 'fraud', reference: { type: 'window' as const, from: REF, to: REF + DAY } }] };
const iso = (ms: number) => new Date(ms).toISOString();

let s: Awaited<ReturnType<typeof testStack>>;

/** A day of fraud-detector traffic in four 6-hour chunks, each with its own drift, and a label per prediction. */
function traffic(startMs: number, drifts: number[], prefix: string) {
  const events: { prediction_id: string; timestamp: number; prediction: unknown }[] = [];
  const labels: object[] = [];
  drifts.forEach((d, k) => {
    const chunk = makePredictions({ count: 400, startMs: startMs + k * CHUNK, spacingMs: CHUNK / 400, seed: 100 + k + (prefix === 'cur' ? 50 : 0), drift: d, idPrefix: prefix }).filter((e) => e.model === MODEL);
    const r = rng(900 + k);
    // Labels disagree with the prediction more often as traffic drifts, so quality drops where drift is.
    for (const e of chunk) {
      const wrong = r() < 0.08 + 0.2 * d;
      labels.push({ model: MODEL, prediction_id: e.prediction_id, timestamp: e.timestamp + 60_000, label: wrong ? (e.prediction === 'fraud' ? 'legit' : 'fraud') : e.prediction });
    }
    events.push(...chunk);
  });
  return { events, labels };
}

beforeAll(async () => {
  s = await testStack({ drift });
  // The reference day is stable; the current day drifts more every six hours.
  for (const t of [traffic(REF, [0, 0, 0, 0], 'ref'), traffic(CUR, [0.25, 0.5, 0.75, 1], 'cur')]) {
    await postAll(s.post, '/v1/predictions', t.events);
    await postAll(s.post, '/v1/labels', t.labels);
  }
  expect(await s.drain()).toBe(true);
  // Scheduled results, written by the scheduler's own code, give the page its drift over time.
  const config = validateConfig({ drift }).drift;
  const deps = { store: s.store, config, logger: silentLogger, now: Date.now, gauges: createDriftGauges(new Registry()) };
  for (const start of [REF, CUR]) for (let k = 0; k < 4; k++) await evaluateWindow(deps, config.models[0]!, { fromMs: start + k * CHUNK, toMs: start + (k + 1) * CHUNK });
}, 240_000);
afterAll(async () => s?.stop());

const query = () => new URLSearchParams({ model: MODEL, from: iso(CUR), to: iso(CUR + DAY) });

interface PageFacts {
  title: string;
  verdict: string;
  driftedList: string[];
  tableFeatures: string[];
  charts: { kind: string; owner: string; marks: number; width: number }[];
  history: string;
  quality: { metric: string; cells: string[] }[];
}

async function inspect(file: string, screenshot: string): Promise<{ facts: PageFacts; problems: string[]; requests: string[] }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (test/run.sh installs it)`);
  // A fresh profile every run, so nothing cached or configured by an earlier run changes what loads.
  const profile = mkdtempSync(join(tmpdir(), 'mlobs-chromium-'));
  let context: BrowserContext | undefined;
  try {
    // playwright-core takes the profile directory as launchPersistentContext's argument (it refuses --user-data-dir in args).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    const problems: string[] = [];
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const facts = await page.evaluate((): PageFacts => {
      const text = (e: Element | null | undefined) => (e?.textContent ?? '').replace(/\s+/g, ' ').trim();
      return {
        title: document.title,
        verdict: text(document.querySelector('#summary .verdict .big')),
        driftedList: [...document.querySelectorAll('#summary .drifted-list a')].map(text),
        tableFeatures: [...document.querySelectorAll('#summary table.features tbody tr td:first-child a')].map(text),
        charts: [...document.querySelectorAll('svg[data-chart]')].map((svg) => ({
          kind: svg.getAttribute('data-chart') ?? '',
          owner: text(svg.closest('article')?.querySelector('h3')) || (svg.closest('section')?.id ?? ''),
          // Marks the browser actually laid out with a size: bars, heat-map cells, lines and dots.
          marks: [...svg.querySelectorAll('rect.bar, rect.cell, path.series, circle.point')].filter((e) => {
            const b = (e as SVGGraphicsElement).getBBox();
            return b.width > 0 || b.height > 0;
          }).length,
          width: svg.getBoundingClientRect().width,
        })),
        history: text(document.querySelector('#history')),
        quality: [...document.querySelectorAll('#quality table tbody tr')].map((tr) => ({ metric: text(tr.children[0]), cells: [...tr.children].slice(1).map(text) })),
      };
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { facts, problems, requests };
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('mlobs drift report --format html', () => {
  it('writes one self-contained page that real Chromium shows without errors, with charts, drift over time and quality', async () => {
    const html = join(ARTIFACTS, 'drift-report.html');
    const { path, report } = await writeDriftHtml(new StackClient(s.url), query(), html);
    const drifted = report.features.filter((f) => f.drifted).map((f) => f.feature);
    expect(drifted).toContain('amount');

    const source = readFileSync(path, 'utf8');
    expect(source).not.toMatch(/<script|<link|<img|@import|url\(|https?:\/\//i);

    const { facts, problems, requests } = await inspect(path, join(ARTIFACTS, 'drift-report.png'));
    expect(problems).toEqual([]);
    // Nothing but the file itself is fetched: the page needs no network.
    expect(requests).toEqual([pathToFileURL(path).href]);

    expect(facts.title).toBe(`Drift report · ${MODEL}`);
    expect(facts.verdict).toBe(report.dataset.drifted ? 'Data set drift detected' : 'No data set drift');
    expect(facts.driftedList).toContain('amount');
    expect(new Set(facts.driftedList)).toEqual(new Set(drifted));
    // The table ranks drifted features first.
    expect(facts.tableFeatures.slice(0, drifted.length).sort()).toEqual([...drifted].sort());

    const distributions = facts.charts.filter((c) => ['histogram', 'categories', 'values'].includes(c.kind));
    expect(distributions.map((c) => c.owner.split(' ')[0]).sort()).toEqual(report.features.map((f) => f.feature).sort());
    expect(facts.charts.filter((c) => c.kind === 'meter')).toMatchObject([{ marks: 1 }]);
    for (const c of facts.charts.filter((x) => x.kind !== 'meter')) {
      expect(c.marks, `${c.kind} chart of ${c.owner}`).toBeGreaterThan(0);
      expect(c.width).toBeGreaterThan(200);
    }
    expect(facts.charts.find((c) => c.owner.startsWith('amount '))?.kind).toBe('histogram');
    expect(facts.charts.find((c) => c.owner.startsWith('country '))?.kind).toBe('categories');

    // Eight scheduled windows: a dot each on the share line, and a heat-map cell per feature and window.
    const share = facts.charts.find((c) => c.kind === 'dataset-share')!;
    expect(share.marks).toBe(1 + 8);
    expect(facts.charts.find((c) => c.kind === 'heatmap')!.marks).toBe(8 * report.features.length);
    expect(facts.charts.find((c) => c.kind === 'quality-over-time')!.marks).toBeGreaterThan(8);
    expect(facts.history).toContain('8 scheduled windows');

    const accuracy = facts.quality.find((q) => q.metric === 'accuracy')!;
    expect(accuracy.cells).toHaveLength(3);
    expect(Number(accuracy.cells[0])).toBeGreaterThan(Number(accuracy.cells[1]));
  }, 120_000);

  it('draws numerical features from the PSI bins the report already holds, querying no histogram', async () => {
    const bodies: string[] = [];
    const spy: typeof fetch = (url, init) => {
      if (String(url).endsWith('/v1/sql')) bodies.push(String(init?.body));
      return fetch(url, init);
    };
    const q = query();
    q.set('methods', 'auto,psi');
    const input = await collectDriftHtmlInput(new StackClient(s.url, { fetch: spy }), q);
    const amount = input.report.features.find((f) => f.feature === 'amount')!;
    const psi = amount.results.find((r) => r.method === 'psi')!;
    expect(input.distributions.get('amount')).toMatchObject({ type: 'histogram', source: 'psi', edges: psi.details.edges, reference: psi.details.reference_counts, current: psi.details.current_counts });
    expect(bodies.some((b) => b.includes('quantiles('))).toBe(false);
    // Categories still come from SQL: PSI of a categorical feature keeps only the number of categories.
    const country = input.distributions.get('country');
    expect(country).toMatchObject({ type: 'categories', referenceTotal: 800, currentTotal: 800 });
    expect(country?.type === 'categories' && country.categories.map((c) => c.value).sort()).toEqual(['BR', 'DE', 'FR', 'IN', 'US']);
  });

  it('fails with the API\'s reason when the model has nothing stored', async () => {
    const q = query();
    q.set('model', 'no-such-model');
    await expect(collectDriftHtmlInput(new StackClient(s.url), q)).rejects.toThrow(/GET \/v1\/drift\/report failed \(404\): unknown model "no-such-model"/);
  });
});

describe('renderDriftHtml', () => {
  const side = (values: number) => ({ rows: values, values, missing: 0, missing_share: 0, type: 'categorical' as const, other_type_values: 0 });
  const evil = '<img src=x onerror=alert(1)>"&\'';
  const feature: FeatureReport = {
    feature: evil,
    kind: 'feature',
    type: 'categorical',
    status: 'ok',
    message: null,
    drifted: true,
    decided_by: 'chi2',
    weight: 1,
    reference: side(100),
    current: side(100),
    missing: null,
    results: [{ method: 'chi2', status: 'ok', message: null, statistic: 12, p_value: 0.001, p_adjusted: null, threshold: 0.05, threshold_source: 'fixed', drifted: true, details: {} }],
    unseen_categories: ['</svg><script>alert(2)</script>'],
  };
  const report: DriftReport = {
    model: 'm<b>',
    window: { from: iso(CUR), to: iso(CUR + DAY), rows: 100 },
    reference: { type: 'window', from: iso(REF), to: iso(REF + DAY), rows: 100 },
    segment: null,
    methods: ['auto'],
    dataset: { drifted: true, drifted_share: 1, share_threshold: 0.5, features_evaluated: 1, features_drifted: 1, features_skipped: [], correction: 'none' },
    features: [feature],
    problems: [],
    elapsed_ms: 3,
  };

  it('shows feature names, category values and messages as text, never as markup', () => {
    const html = renderDriftHtml({
      report,
      distributions: new Map([[evil, { type: 'categories', categories: [{ value: '</text><script>alert(3)</script>', reference: 60, current: 10 }], referenceTotal: 100, currentTotal: 100, numeric: false }]]),
      history: [],
      quality: { current: null, reference: null },
      generatedAt: iso(CUR),
      notes: ['<b>note</b>'],
    });
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;');
    expect(html).toContain('&lt;/text&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(html).toContain('&lt;/svg&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('<title>Drift report · m&lt;b&gt;</title>');
  });

  it('shows multivariate and embedding results in their own section, with the PCA band and names as text', () => {
    const vr = (method: 'pca_error' | 'mmd' | 'distance' | 'ratio', extra: object) => ({ method, status: 'ok' as const, message: null, statistic: 1.5, p_value: null, threshold: 1.2, threshold_lower: null, drifted: true, details: {}, ...extra });
    const html = renderDriftHtml({
      report: {
        ...report,
        multivariate: { feature: '@multivariate', columns: ['x1', evil], imputation: 'reference mean', results: [vr('pca_error', { threshold_lower: 0.8, details: { components: 1, columns: 2, explained_variance: 0.9 } }), vr('mmd', { statistic: 0.02, p_value: 0.01, threshold: 0.05 })] },
        embeddings: [{ feature: '@embedding:text', name: 'text', dimension: 384, reference: { rows: 1000, other_dimension: 0 }, current: { rows: 500, other_dimension: 2 }, results: [vr('ratio', { drifted: false, details: { components: 384, components_drifted: 3, correction: 'bh', sample_reference: 20011, sample_current: 19987 } })] }],
      },
      distributions: new Map(),
      history: [],
      quality: { current: null, reference: null },
      generatedAt: iso(CUR),
      notes: [],
    });
    expect(html).toContain('<h2>Multivariate and embedding drift</h2>');
    expect(html).toContain('0.8 – 1.2');
    expect(html).toContain('1 of 2 components, 90.0% of the variance');
    expect(html).toContain('dimension 384 · vectors: reference 1,000, current 500 · 2 of another dimension left out');
    expect(html).toContain('3 of 384 components (KS, bh, on samples of 20011 / 19987 vectors)');
    expect(html).not.toMatch(/<img/i);
  });

  it('says that no scheduled evaluations are stored yet and that quality needs labels', () => {
    const html = renderDriftHtml({ report, distributions: new Map(), history: [], quality: { current: null, reference: null }, generatedAt: iso(CUR), notes: [] });
    expect(html).toContain('No scheduled evaluations stored yet for m&lt;b&gt;');
    expect(html).toContain('No quality metrics: no labels have arrived for these windows.');
  });

  it('shows the quality estimated without labels (CBPE) with its band, before any label arrived', () => {
    const m = (a: number) => ({ accuracy: a, precision: a, recall: a, f1: a, roc_auc: a });
    const current = {
      model: 'm', window: { from: iso(CUR), to: iso(CUR + DAY) }, task: 'classification' as const, positive_class: 'fraud',
      overall: { segment: null, labelled: 0, metrics: {}, notes: ['no labelled predictions in this window'] },
      estimated: { method: 'cbpe' as const, calibration: 'isotonic' as const, reference_rows: 4000, rows: 1500, level: 0.95, estimate: m(0.8125), lower: m(0.7931), upper: m(0.8317), notes: [] },
    };
    const html = renderDriftHtml({ report, distributions: new Map(), history: [], quality: { current, reference: null }, generatedAt: iso(CUR), notes: [] });
    expect(html).toContain('Estimated without labels (CBPE)');
    expect(html).toContain('isotonic calibration on 4,000 labelled reference rows');
    expect(html).toMatch(/<td>accuracy<\/td><td class="n">0\.8125<\/td><td class="n">0\.7931 – 0\.8317<\/td>/);
  });
});
