/**
 * The drift report as one self-contained HTML page: inline CSS, charts as inline SVG drawn here,
 * no scripts, fonts or images to load (a Content-Security-Policy of default-src 'none' says so to
 * the browser), so the file opens anywhere without a network. Feature names, category values and
 * messages are user data: every one goes through esc().
 */
import { P_VALUE_METHODS } from '../config.js';
import type { QualityReport } from '../quality/quality.js';
import type { DriftReport, FeatureReport, MethodResult, VectorMethodResult } from '../report/types.js';
import type { CategoryData, Distribution, DriftHtmlInput, HistogramData, HistoryRow } from './types.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text or attribute value made inert HTML. */
export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

// ---------------------------------------------------------------------------------------------
// Numbers and times

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e7) return v.toExponential(2);
  if (a >= 1e4) return String(Math.round(v));
  return String(Number(v.toPrecision(4)));
}

/** Axis labels: short (12k, 1.5M) and free of float noise. */
function tick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

const pct = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`);
const count = (v: number): string => v.toLocaleString('en-US');
const when = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : '–');
const shortTime = (ms: number): string => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');

// ---------------------------------------------------------------------------------------------
// Ranking

function decider(f: FeatureReport): MethodResult | undefined {
  return f.results.find((r) => r.method === f.decided_by) ?? f.results.find((r) => r.status === 'ok') ?? f.results[0];
}

/** Features in the order the page ranks them: drifted first, then by how far past its threshold the deciding statistic is. */
export function driftRanking(features: FeatureReport[]): FeatureReport[] {
  const strength = (f: FeatureReport): number => {
    const r = decider(f);
    if (!r || r.statistic === null || r.threshold === null) return f.decided_by === 'missing' || f.decided_by === 'type' ? 1 : -1;
    const p = r.p_adjusted ?? r.p_value;
    if (P_VALUE_METHODS.has(r.method)) return p === null ? -1 : -Math.log10(Math.max(p, 1e-300)) / -Math.log10(r.threshold);
    return r.statistic / r.threshold;
  };
  const rank = (f: FeatureReport) => (f.drifted === true ? 2 : f.drifted === false ? 1 : 0);
  return [...features].sort((a, b) => rank(b) - rank(a) || strength(b) - strength(a) || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// SVG

const REF = '#7f96b2';
const CUR = '#e8833a';
const BAD = '#c8412f';
const GOOD = '#2e7d4f';
const GRID = '#e5e7eb';

/** A round step near `raw` (1, 2, 2.5 or 5 times a power of ten). */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

/** Horizontal grid lines and labels from 0 to the top of the scale; returns the scale's maximum too. */
function yScale(max: number, ticks = 4): { top: number; step: number } {
  const step = niceStep((max > 0 ? max : 1) / ticks);
  return { top: Math.max(step, Math.ceil(max / step - 1e-9) * step), step };
}

function yGrid(x0: number, x1: number, y: (v: number) => number, top: number, step: number, label: (v: number) => string): string {
  const out: string[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    out.push(`<line x1="${x0}" x2="${x1}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${GRID}" stroke-width="1"/>`);
    out.push(`<text x="${x0 - 6}" y="${(y(v) + 3.5).toFixed(1)}" text-anchor="end">${esc(label(v))}</text>`);
  }
  return out.join('');
}

interface Slot {
  label: string;
  title: string;
  ref: number;
  cur: number;
  refCount: number;
  curCount: number;
  muted?: boolean;
}

/**
 * Reference and current bars side by side per slot, heights as shares of each side's values.
 * `boundaries` labels the edges between slots (histograms); without it each slot is labelled.
 */
function pairedBars(kind: string, slots: Slot[], boundaries?: (string | null)[], thin = true): string {
  const W = 520;
  const plotW = W - 48 - 20;
  const slotW = plotW / Math.max(1, slots.length);
  const maxChars = Math.floor(slotW / 6.4);
  const rotate = !boundaries && slots.some((s) => s.label.length > maxChars) && maxChars < 8;
  const M = { l: 48, r: 20, t: 12, b: boundaries ? 30 : rotate ? 74 : 30 };
  const H = 190 + M.b;
  const plotH = H - M.t - M.b;
  const { top, step } = yScale(Math.max(0, ...slots.flatMap((s) => [s.ref, s.cur])));
  const y = (v: number) => M.t + plotH - (v / top) * plotH;
  // As many decimals as the step needs (2.5% steps would otherwise read 3%, 5%, 8%).
  const digits = [0, 1, 2, 3].find((d) => Math.abs(Math.round(step * 100 * 10 ** d) - step * 100 * 10 ** d) < 1e-6) ?? 3;
  const parts = [yGrid(M.l, W - M.r, y, top, step, (v) => `${(v * 100).toFixed(digits)}%`)];
  const pad = Math.min(slotW * 0.12, 6);
  // Few slots would make slabs: bars stay at most 64 px wide, centred in their slot.
  const bw = Math.min(64, (slotW - 2 * pad) / 2);
  slots.forEach((s, i) => {
    const x = M.l + i * slotW + (slotW - 2 * bw) / 2;
    const tip = `<title>${esc(s.title)}: reference ${pct(s.ref)} (${count(s.refCount)}), current ${pct(s.cur)} (${count(s.curCount)})</title>`;
    for (const [side, v, dx, color] of [['ref', s.ref, 0, REF], ['cur', s.cur, bw, CUR]] as const) {
      if (!(v > 0)) continue;
      const h = Math.max(0.75, (v / top) * plotH);
      parts.push(`<rect class="bar ${side}" x="${(x + dx).toFixed(2)}" y="${(M.t + plotH - h).toFixed(2)}" width="${Math.max(0.5, bw - 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="${color}"${s.muted ? ' fill-opacity="0.55"' : ''}>${tip}</rect>`);
    }
  });
  parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${M.t + plotH}" y2="${M.t + plotH}" stroke="#9ca3af"/>`);
  const baseY = M.t + plotH;
  if (boundaries) {
    // Label every k-th boundary so labels never overlap (unless the caller already picked a few).
    const every = thin ? Math.max(1, Math.ceil(boundaries.filter((b) => b !== null).length / Math.floor(plotW / 46))) : 1;
    boundaries.forEach((b, i) => {
      if (b === null || (i % every !== 0 && i !== boundaries.length - 1)) return;
      const x = M.l + i * slotW;
      parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${baseY}" y2="${baseY + 4}" stroke="#9ca3af"/>`);
      parts.push(`<text x="${x.toFixed(1)}" y="${baseY + 16}" text-anchor="middle">${esc(b)}</text>`);
    });
  } else {
    slots.forEach((s, i) => {
      const x = M.l + (i + 0.5) * slotW;
      const limit = rotate ? 14 : Math.max(3, maxChars);
      const text = s.label.length > limit ? `${s.label.slice(0, limit - 1)}…` : s.label;
      const style = s.muted ? ' font-style="italic"' : '';
      parts.push(
        rotate
          ? `<text x="${x.toFixed(1)}" y="${baseY + 12}" text-anchor="end" transform="rotate(-40 ${x.toFixed(1)} ${baseY + 12})"${style}>${esc(text)}<title>${esc(s.label)}</title></text>`
          : `<text x="${x.toFixed(1)}" y="${baseY + 16}" text-anchor="middle"${style}>${esc(text)}<title>${esc(s.label)}</title></text>`,
      );
    });
  }
  return `<svg class="chart" data-chart="${esc(kind)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="reference and current distribution">${parts.join('')}</svg>`;
}

function histogramSvg(h: HistogramData): string {
  const n = h.reference.length;
  const refTotal = h.reference.reduce((a, b) => a + b, 0) || 1;
  const curTotal = h.current.reduce((a, b) => a + b, 0) || 1;
  const bounds: (number | null)[] = [h.lo, ...h.edges, h.hi];
  const range = (i: number) => {
    const a = bounds[i];
    const b = bounds[i + 1];
    if (a === null || a === undefined) return `≤ ${fmt(b ?? null)}`;
    if (b === null || b === undefined) return `> ${fmt(a)}`;
    const open = (h.clipped && i === 0 ? '≤ … ' : '') + `${fmt(a)} – ${fmt(b)}` + (h.clipped && i === n - 1 ? ' …' : '');
    return open;
  };
  const slots: Slot[] = h.reference.map((r, i) => ({ label: range(i), title: range(i), ref: r / refTotal, cur: h.current[i]! / curTotal, refCount: r, curCount: h.current[i]! }));
  if (h.scale === 'log') {
    // Powers of ten make a log axis readable; bins rarely end on anything rounder.
    const decade = (b: number | null) => b !== null && Math.abs(Math.log10(b) - Math.round(Math.log10(b))) < 1e-9;
    if (bounds.filter(decade).length >= 2) return pairedBars('histogram', slots, bounds.map((b) => (decade(b) ? tick(Number(b!.toPrecision(12))) : null)), false);
  }
  return pairedBars('histogram', slots, bounds.map((b) => (b === null ? null : tick(b))));
}

function categoriesSvg(c: CategoryData): string {
  const refTotal = c.referenceTotal || 1;
  const curTotal = c.currentTotal || 1;
  const slots: Slot[] = c.categories.map((x) => ({ label: x.value === '' ? '(empty)' : x.value, title: x.value === '' ? '(empty)' : x.value, ref: x.reference / refTotal, cur: x.current / curTotal, refCount: x.reference, curCount: x.current }));
  const restRef = Math.max(0, c.referenceTotal - c.categories.reduce((a, x) => a + x.reference, 0));
  const restCur = Math.max(0, c.currentTotal - c.categories.reduce((a, x) => a + x.current, 0));
  if (restRef + restCur > 0) slots.push({ label: 'other', title: 'all other categories', ref: restRef / refTotal, cur: restCur / curTotal, refCount: restRef, curCount: restCur, muted: true });
  return pairedBars(c.numeric ? 'values' : 'categories', slots);
}

/** The weighted share of drifted features against its threshold, as a bar. */
function meterSvg(share: number | null, threshold: number, drifted: boolean | null): string {
  const W = 260;
  const x = (v: number) => 1 + Math.min(1, Math.max(0, v)) * (W - 2);
  const fill = drifted ? BAD : drifted === false ? GOOD : '#9ca3af';
  return `<svg class="meter" data-chart="meter" viewBox="0 0 ${W} 34" width="${W}" height="34" role="img" aria-label="share of drifted features">
<rect x="1" y="4" width="${W - 2}" height="12" rx="6" fill="#e5e7eb"/>
${share !== null && share > 0 ? `<rect class="bar" x="1" y="4" width="${(x(share) - 1).toFixed(1)}" height="12" rx="6" fill="${fill}"/>` : ''}
<line x1="${x(threshold).toFixed(1)}" x2="${x(threshold).toFixed(1)}" y1="1" y2="19" stroke="#1f2937" stroke-width="2"/>
<text x="${x(threshold).toFixed(1)}" y="31" text-anchor="middle">threshold ${esc(pct(threshold, 0))}</text></svg>`;
}

interface Window {
  start: number;
  end: number;
}

function windowsOf(rows: HistoryRow[]): Window[] {
  const seen = new Map<string, Window>();
  for (const r of rows) seen.set(`${r.windowStartMs}:${r.windowEndMs}`, { start: r.windowStartMs, end: r.windowEndMs });
  return [...seen.values()].sort((a, b) => a.end - b.end || a.start - b.start);
}

function timeAxis(windows: Window[], xOf: (i: number) => number, y: number): string {
  const every = Math.max(1, Math.ceil(windows.length / 8));
  return windows
    .map((w, i) => (i % every === 0 || i === windows.length - 1 ? `<text x="${xOf(i).toFixed(1)}" y="${y}" text-anchor="middle">${esc(shortTime(w.end))}</text>` : ''))
    .join('');
}

/** One or more series over the windows, each a line with dots; `marks` colours a dot (drifted). */
function lineChart(kind: string, windows: Window[], series: { name: string; color: string; values: (number | null)[]; marks?: (boolean | null)[] }[], opts: { top?: number; threshold?: number | null; percent?: boolean }): string {
  const W = 1000;
  const M = { l: 56, r: 16, t: 14, b: 30 };
  const H = 230;
  const plotW = W - M.l - M.r;
  const plotH = H - M.t - M.b;
  const max = Math.max(opts.threshold ?? 0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const { top, step } = opts.top !== undefined ? { top: opts.top, step: opts.top / 4 } : yScale(max);
  const xOf = (i: number) => M.l + ((i + 0.5) * plotW) / windows.length;
  const y = (v: number) => M.t + plotH - (Math.min(v, top) / top) * plotH;
  const parts = [yGrid(M.l, W - M.r, y, top, step, (v) => (opts.percent ? `${Math.round(v * 100)}%` : tick(v)))];
  if (opts.threshold !== null && opts.threshold !== undefined) {
    parts.push(`<line class="threshold" x1="${M.l}" x2="${W - M.r}" y1="${y(opts.threshold).toFixed(1)}" y2="${y(opts.threshold).toFixed(1)}" stroke="${BAD}" stroke-dasharray="6 4" stroke-width="1.5"><title>threshold ${esc(opts.percent ? pct(opts.threshold, 0) : fmt(opts.threshold))}</title></line>`);
  }
  for (const s of series) {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${xOf(i).toFixed(1)} ${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) parts.push(`<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`);
    s.values.forEach((v, i) => {
      if (v === null) return;
      const mark = s.marks?.[i];
      const fill = mark === true ? BAD : mark === false ? GOOD : s.color;
      parts.push(`<circle class="point" cx="${xOf(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${windows.length > 40 ? 2.5 : 4}" fill="${fill}" stroke="#fff" stroke-width="1"><title>${esc(s.name)} ${esc(shortTime(windows[i]!.start))} – ${esc(shortTime(windows[i]!.end))}: ${esc(opts.percent ? pct(v) : fmt(v))}${mark === true ? ' (drifted)' : ''}</title></circle>`);
    });
  }
  parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${M.t + plotH}" y2="${M.t + plotH}" stroke="#9ca3af"/>`);
  parts.push(timeAxis(windows, xOf, H - 10));
  return `<svg class="chart wide" data-chart="${esc(kind)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(kind)} over time">${parts.join('')}</svg>`;
}

/** Features × windows, each cell coloured by the feature's verdict in that window. */
function heatmap(windows: Window[], features: FeatureReport[], rows: HistoryRow[]): string {
  const W = 1000;
  const labelW = 190;
  const rowH = 20;
  const H = 14 + features.length * rowH + 26;
  const cellW = (W - labelW - 16) / windows.length;
  const index = new Map<string, HistoryRow>();
  for (const r of rows) index.set(`${r.feature}\u0000${r.method}\u0000${r.windowStartMs}:${r.windowEndMs}`, r);
  const parts: string[] = [];
  features.forEach((f, fi) => {
    const method = decider(f)?.method ?? 'status';
    const yTop = 14 + fi * rowH;
    const name = f.feature.length > 26 ? `${f.feature.slice(0, 25)}…` : f.feature;
    parts.push(`<text x="${labelW - 8}" y="${yTop + rowH / 2 + 4}" text-anchor="end">${esc(name)}<title>${esc(f.feature)}</title></text>`);
    windows.forEach((w, wi) => {
      const key = (m: string) => `${f.feature}\u0000${m}\u0000${w.start}:${w.end}`;
      const r = index.get(key(method));
      const miss = index.get(key('missing'));
      const drifted = r?.drifted === true || miss?.drifted === true ? true : r?.drifted === false ? false : null;
      const fill = !r && !miss ? '#f3f4f6' : drifted === true ? BAD : drifted === false ? '#cfe6d7' : '#f1e3b5';
      const what = !r && !miss ? 'no result' : drifted === null ? (r?.status ?? 'no verdict') : drifted ? 'drifted' : 'no drift';
      const stat = r && r.value !== null ? `, ${method} ${fmt(r.value)}${r.threshold !== null ? ` (threshold ${fmt(r.threshold)})` : ''}` : '';
      parts.push(`<rect class="cell" x="${(labelW + wi * cellW + 0.5).toFixed(2)}" y="${yTop + 1}" width="${Math.max(0.5, cellW - 1).toFixed(2)}" height="${rowH - 2}" rx="2" fill="${fill}"><title>${esc(f.feature)} · ${esc(shortTime(w.start))} – ${esc(shortTime(w.end))}: ${esc(what)}${esc(stat)}</title></rect>`);
    });
  });
  parts.push(timeAxis(windows, (i) => labelW + (i + 0.5) * cellW, H - 8));
  return `<svg class="chart wide" data-chart="heatmap" viewBox="0 0 ${W} ${H}" role="img" aria-label="feature drift per window">${parts.join('')}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Sections

const badge = (drifted: boolean | null, yes = 'drifted', no = 'no drift') =>
  drifted === true ? `<span class="badge bad">${yes}</span>` : drifted === false ? `<span class="badge good">${no}</span>` : '<span class="badge unknown">no verdict</span>';

const KIND_LABEL: Record<string, string> = { feature: 'input', prediction: 'prediction', score: 'score', label: 'label' };

function referenceText(r: DriftReport): string {
  const ref = r.reference;
  const base =
    ref.type === 'upload'
      ? `uploaded training set ${esc(ref.version ?? '')}`
      : `${esc(when(ref.from))} – ${esc(when(ref.to))}${ref.type === 'rolling' ? ' (rolling)' : ref.type === 'alias' ? esc(` (version ${ref.version}, which held alias ${ref.alias} before ${ref.holder ?? 'it was deleted'})`) : ''}`;
  return `${base} · ${count(ref.rows)} rows`;
}

function statText(f: FeatureReport): string {
  const r = decider(f);
  if (!r) return esc(f.message ?? f.status);
  if (r.status !== 'ok') return esc(r.message ?? r.status);
  const p = r.p_adjusted ?? r.p_value;
  const value = P_VALUE_METHODS.has(r.method) ? `p-value ${fmt(p)} (statistic ${fmt(r.statistic)})` : `${r.method === 'wasserstein' ? 'normed distance' : 'distance'} ${fmt(r.statistic)}`;
  const thr = r.threshold === null ? '' : `, threshold ${fmt(r.threshold)}${r.threshold_source === 'learned' ? ' (learned)' : ''}${r.details.within_noise ? '; within sampling noise on a sparse table' : ''}`;
  const byMissing = f.decided_by === 'missing' && f.missing ? `; missing share moved by ${pct(f.missing.delta)}` : '';
  return `<strong>${esc(r.method)}</strong> ${value}${thr}${byMissing}`;
}

function header(input: DriftHtmlInput): string {
  const r = input.report;
  const seg = r.segment ? ` <span class="seg">${esc(r.segment.name)} = ${esc(r.segment.value)}</span>` : '';
  return `<header class="top"><div class="wrap">
<div class="eyebrow">mlobs · drift report</div>
<h1>${esc(r.model)}${seg}</h1>
<dl class="meta">
<div><dt>Current window</dt><dd>${esc(when(r.window.from))} – ${esc(when(r.window.to))} · ${count(r.window.rows)} rows</dd></div>
<div><dt>Reference</dt><dd>${referenceText(r)}</dd></div>
<div><dt>Methods</dt><dd>${esc(r.methods.join(', '))}${r.dataset.correction !== 'none' ? ` · ${esc(r.dataset.correction)} correction` : ''}</dd></div>
<div><dt>Generated</dt><dd>${esc(when(input.generatedAt))}</dd></div>
</dl></div></header>`;
}

function summary(r: DriftReport, ranked: FeatureReport[], anchors: Map<FeatureReport, string>): string {
  const d = r.dataset;
  const cls = d.drifted ? 'bad' : d.drifted === false ? 'good' : 'unknown';
  const title = d.drifted ? 'Data set drift detected' : d.drifted === false ? 'No data set drift' : 'No verdict for the data set';
  const drifted = ranked.filter((f) => f.drifted && f.kind === 'feature');
  const outputs = ranked.filter((f) => f.drifted && f.kind !== 'feature');
  const line = `${d.features_drifted} of ${d.features_evaluated} input features drifted · ${pct(d.drifted_share)} weighted share, threshold ${pct(d.share_threshold, 0)}`;
  const skipped = d.features_skipped.length ? `<div class="msg">without a verdict: ${d.features_skipped.map(esc).join(', ')}</div>` : '';
  const links = (fs: FeatureReport[]) => fs.map((f) => `<a href="#${anchors.get(f)}">${esc(f.feature)}</a>`).join(', ');
  const list =
    `<p class="drifted-list">${drifted.length ? `Drifted input features: ${links(drifted)}` : 'No input feature drifted.'}` +
    (outputs.length ? `<span class="also"> · also drifted: ${links(outputs)}</span>` : '') +
    '</p>';
  const rows = ranked.map((f) => {
    const r0 = decider(f);
    const p = r0 ? (r0.p_adjusted ?? r0.p_value) : null;
    const notes = [f.message, ...f.results.filter((x) => x.status !== 'ok' && x.message).map((x) => x.message)].filter((m): m is string => !!m);
    const u = f.unseen_categories ?? [];
    const unseen = u.length ? `${u.length} categories not in the reference: ${u.slice(0, 10).join(', ')}${u.length > 10 ? ` and ${u.length - 10} more` : ''}` : '';
    const more = [...new Set(notes), ...(unseen ? [unseen] : [])].map((m) => `<div class="msg">${esc(m)}</div>`).join('');
    const decided = f.decided_by === 'missing' || f.decided_by === 'type' ? ` <span class="kind">(${esc(f.decided_by)})</span>` : '';
    return `<tr class="${f.drifted ? 'drifted' : ''}">
<td><a href="#${anchors.get(f)}">${esc(f.feature)}</a>${more}</td>
<td>${esc(KIND_LABEL[f.kind] ?? f.kind)}</td><td>${esc(f.type ?? '–')}</td><td>${esc(r0?.method ?? '–')}</td>
<td class="n">${fmt(r0?.statistic)}</td><td class="n">${fmt(p)}</td>
<td class="n">${r0 ? fmt(r0.threshold) : '–'}${r0?.threshold_source === 'learned' ? ' <span class="kind">learned</span>' : ''}</td>
<td>${badge(f.drifted, 'YES', 'no')}${decided}</td>
<td class="n">${count(f.reference.values)} → ${count(f.current.values)}</td>
<td class="n${f.missing?.drifted ? ' hot' : ''}">${pct(f.reference.missing_share)} → ${pct(f.current.missing_share)}</td></tr>`;
  });
  return `<section id="summary" class="card">
<h2>Summary</h2>
<div class="verdict ${cls}"><div><div class="big">${title}</div><div>${esc(line)}</div>${skipped}</div>${meterSvg(d.drifted_share, d.share_threshold, d.drifted)}</div>
${r.problems.length ? `<div class="problems">${r.problems.map((p) => `<p>⚠ ${esc(p)}</p>`).join('')}</div>` : ''}
${list}
<div class="scroll"><table class="features">
<thead><tr><th>Feature</th><th>Kind</th><th>Type</th><th>Method</th><th class="n">Statistic</th><th class="n">p-value</th><th class="n">Threshold</th><th>Drifted</th><th class="n">Values ref → cur</th><th class="n">Missing ref → cur</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>
</section>`;
}

function distributionCaption(d: Distribution): string {
  if (d.type === 'categories') {
    const shown = d.categories.length;
    return d.numeric ? 'one bar per distinct value' : `${shown} most frequent categor${shown === 1 ? 'y' : 'ies'}${d.categories.length && d.referenceTotal + d.currentTotal > d.categories.reduce((a, c) => a + c.reference + c.current, 0) ? ', the rest as “other”' : ''}`;
  }
  const base =
    d.source === 'sql'
      ? `${d.reference.length} ${d.scale === 'log' ? 'bins of equal width on a log scale' : 'equal-width bins'} over both sides`
      : `the ${esc(d.source)} bins of the report (reference quantiles)`;
  return d.clipped ? `${base}; the outer bins also hold the extreme tails` : base;
}

function featureCard(f: FeatureReport, anchor: string, d: Distribution | undefined): string {
  let chart: string;
  if (d) chart = d.type === 'histogram' ? histogramSvg(d) : categoriesSvg(d);
  else if (f.status === 'type_changed') chart = '<p class="empty">No chart: the feature changed type, so its two sides do not share an axis.</p>';
  else if (f.reference.values + f.current.values === 0) chart = '<p class="empty">No chart: no values on either side.</p>';
  else chart = '<p class="empty">No chart: the distribution could not be read (see the notes at the end).</p>';
  const miss = f.missing && (f.missing.reference_share > 0 || f.missing.current_share > 0) ? ` · missing ${pct(f.missing.reference_share)} → ${pct(f.missing.current_share)}` : '';
  return `<article class="card feature${f.drifted ? ' is-drifted' : ''}" id="${anchor}">
<header><h3>${esc(f.feature)} <span class="kind">${esc(KIND_LABEL[f.kind] ?? f.kind)}${f.type ? ` · ${esc(f.type)}` : ''}</span></h3>${badge(f.drifted)}</header>
<p class="stat">${statText(f)}</p>
${chart}
<p class="foot">${d ? `${distributionCaption(d)} · ` : ''}reference ${count(f.reference.values)} values · current ${count(f.current.values)} values${miss}</p>
</article>`;
}

function features(ranked: FeatureReport[], anchors: Map<FeatureReport, string>, dist: Map<string, Distribution>): string {
  return `<section id="distributions">
<div class="section-head"><h2>Reference vs current distributions</h2>
<div class="legend"><span><i class="sw" style="background:${REF}"></i>reference</span><span><i class="sw" style="background:${CUR}"></i>current</span><span>bar height: share of the side’s values</span></div></div>
<div class="grid">${ranked.map((f) => featureCard(f, anchors.get(f)!, dist.get(f.feature))).join('\n')}</div>
</section>`;
}

const QUALITY_COLORS = ['#2f6db5', '#e8833a', '#3a9d5d', '#b5489b', '#7a6bd1', '#c8412f', '#8c6d1f'];

function history(r: DriftReport, ranked: FeatureReport[], rows: HistoryRow[]): string {
  const dataset = rows.filter((x) => x.feature === '@dataset');
  if (dataset.length === 0) {
    return `<section id="history" class="card"><h2>Drift over time</h2>
<p class="empty">No scheduled evaluations stored yet for ${esc(r.model)}${r.segment ? ` (${esc(r.segment.name)} = ${esc(r.segment.value)})` : ''}: set <code>drift.models[].schedule</code> to evaluate windows and keep their results.</p></section>`;
  }
  const windows = windowsOf(rows);
  const at = (w: Window, pick: (x: HistoryRow) => boolean) => rows.find((x) => x.windowStartMs === w.start && x.windowEndMs === w.end && pick(x));
  const shares = windows.map((w) => at(w, (x) => x.feature === '@dataset'));
  const threshold = [...shares].reverse().find((x) => x?.threshold !== null && x?.threshold !== undefined)?.threshold ?? r.dataset.share_threshold;
  const shareChart = lineChart('dataset-share', windows, [{ name: 'drifted share', color: '#1f2937', values: shares.map((x) => x?.value ?? null), marks: shares.map((x) => x?.drifted ?? null) }], { top: 1, threshold, percent: true });
  const withRows = new Set(rows.map((x) => x.feature));
  const shown = ranked.filter((f) => withRows.has(f.feature));
  const metrics = [...new Set(rows.filter((x) => x.feature === '@quality').map((x) => x.method))].filter((m) => m !== 'mape_excluded');
  const qualitySeries = metrics
    .map((m, i) => ({ name: m, color: QUALITY_COLORS[i % QUALITY_COLORS.length]!, values: windows.map((w) => at(w, (x) => x.feature === '@quality' && x.method === m)?.value ?? null) }))
    .filter((s) => s.values.some((v) => v !== null));
  const qualityChart = qualitySeries.length
    ? `<h3 class="sub">Quality per window</h3>${lineChart('quality-over-time', windows, qualitySeries, {})}<div class="legend">${qualitySeries.map((s) => `<span><i class="sw" style="background:${s.color}"></i>${esc(s.name)}</span>`).join('')}</div>`
    : '';
  return `<section id="history" class="card"><h2>Drift over time</h2>
<p class="msg">${windows.length} scheduled window${windows.length === 1 ? '' : 's'}, ${esc(shortTime(windows[0]!.start))} – ${esc(shortTime(windows[windows.length - 1]!.end))} (UTC), each against the model’s reference.</p>
<h3 class="sub">Weighted share of drifted features</h3>
${shareChart}
<div class="legend"><span><i class="sw" style="background:${BAD}"></i>drifted window</span><span><i class="sw" style="background:${GOOD}"></i>no drift</span><span><i class="sw dash"></i>threshold</span></div>
${shown.length ? `<h3 class="sub">Feature verdict per window</h3>${heatmap(windows, shown, rows)}<div class="legend"><span><i class="sw" style="background:${BAD}"></i>drifted</span><span><i class="sw" style="background:#cfe6d7"></i>no drift</span><span><i class="sw" style="background:#f1e3b5"></i>no verdict</span><span><i class="sw" style="background:#f3f4f6"></i>no result</span></div>` : ''}
${qualityChart}
</section>`;
}

const LOWER_IS_BETTER = new Set(['mae', 'rmse', 'mape']);

function quality(q: DriftHtmlInput['quality']): string {
  const cur = q.current;
  const ref = q.reference;
  const labelled = (x: QualityReport | null) => x?.overall.labelled ?? 0;
  const estimated = estimatedTable(cur);
  if (!cur || labelled(cur) + labelled(ref) === 0) {
    const why = cur?.overall.notes[0] ?? 'no labels have arrived for these windows';
    return `<section id="quality" class="card"><h2>Model quality</h2><p class="empty">No quality metrics: ${esc(why)}.</p>${estimated}</section>`;
  }
  const names = [...new Set([...Object.keys(ref?.overall.metrics ?? {}), ...Object.keys(cur.overall.metrics)])];
  const rows = names.map((m) => {
    const a = ref?.overall.metrics[m] ?? null;
    const b = cur.overall.metrics[m] ?? null;
    const delta = a !== null && b !== null ? b - a : null;
    // Errors (MAE, RMSE, MAPE) get worse upwards, every other metric downwards.
    const worse = delta !== null && delta !== 0 && (LOWER_IS_BETTER.has(m) ? delta > 0 : delta < 0);
    const cls = delta === null || delta === 0 || m === 'mape_excluded' ? '' : worse ? ' worse' : ' better';
    return `<tr><td>${esc(m)}</td>${ref ? `<td class="n">${fmt(a)}</td>` : ''}<td class="n">${fmt(b)}</td>${ref ? `<td class="n${cls}">${delta === null ? '–' : `${delta > 0 ? '+' : ''}${fmt(delta)}`}</td>` : ''}</tr>`;
  });
  const notes = [...new Set([...(ref?.overall.notes ?? []), ...cur.overall.notes])].map((n) => `<div class="msg">${esc(n)}</div>`).join('');
  const task = `${esc(cur.task ?? ref?.task ?? '')}${cur.positive_class !== null ? ` · positive class ${esc(cur.positive_class)}` : ''}`;
  return `<section id="quality" class="card"><h2>Model quality</h2>
<p class="msg">${task} · labelled predictions: ${ref ? `reference ${count(labelled(ref))}, ` : ''}current ${count(labelled(cur))}</p>
<table class="quality"><thead><tr><th>Metric</th>${ref ? '<th class="n">Reference</th>' : ''}<th class="n">Current</th>${ref ? '<th class="n">Change</th>' : ''}</tr></thead>
<tbody>${rows.join('')}</tbody></table>${notes}${estimated}</section>`;
}

/** CBPE: the current window's quality estimated from scores, with its band, beside the realised values. */
function estimatedTable(cur: QualityReport | null): string {
  const e = cur?.estimated;
  if (!e) return '';
  if (!e.estimate) return `<h3 class="sub">Estimated without labels (CBPE)</h3><p class="empty">${esc(e.notes.join('; ') || 'no estimate')}</p>`;
  const rows = (Object.keys(e.estimate) as (keyof typeof e.estimate)[]).map((m) => {
    const realised = cur!.overall.metrics[m];
    return `<tr><td>${esc(m)}</td><td class="n">${fmt(e.estimate![m])}</td><td class="n">${fmt(e.lower![m])} – ${fmt(e.upper![m])}</td><td class="n">${fmt(realised ?? null)}</td></tr>`;
  });
  return `<h3 class="sub">Estimated without labels (CBPE)</h3>
<p class="msg">${esc(e.calibration ?? '')} calibration on ${count(e.reference_rows)} labelled reference rows · ${count(e.rows)} scored predictions · ${Math.round(e.level * 100)} % sampling-error band</p>
<table class="quality"><thead><tr><th>Metric</th><th class="n">Estimate</th><th class="n">Band</th><th class="n">Realised</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Multivariate (`@multivariate`) and embedding (`@embedding:<name>`) drift: one row per method. */
function vectors(r: DriftReport): string {
  const groups: { feature: string; what: string; results: VectorMethodResult[] }[] = [];
  if (r.multivariate) groups.push({ feature: r.multivariate.feature, what: `${r.multivariate.columns.length} standardised columns: ${r.multivariate.columns.join(', ')}`, results: r.multivariate.results });
  for (const e of r.embeddings ?? []) {
    const odd = e.reference.other_dimension + e.current.other_dimension;
    groups.push({ feature: e.feature, what: `dimension ${e.dimension ?? '–'} · vectors: reference ${count(e.reference.rows)}, current ${count(e.current.rows)}${odd ? ` · ${count(odd)} of another dimension left out` : ''}`, results: e.results });
  }
  if (groups.length === 0) return '';
  const threshold = (x: VectorMethodResult) =>
    x.threshold === null ? '–' : x.threshold_lower !== null ? `${fmt(x.threshold_lower)} – ${fmt(x.threshold)}` : x.method === 'mmd' ? `p < ${fmt(x.threshold)}` : fmt(x.threshold);
  const detail = (x: VectorMethodResult) => {
    const d = x.details as Record<string, unknown>;
    if (x.method === 'pca_error') return d.components === undefined ? '' : `${d.components} of ${d.columns} components, ${pct(d.explained_variance as number)} of the variance`;
    if (x.method === 'mmd') return d.sample_reference === undefined ? '' : `samples ${d.sample_reference} / ${d.sample_current}, ${d.permutations} permutations, seed ${d.seed}`;
    if (x.method === 'ratio') return d.components === undefined ? '' : `${d.components_drifted} of ${d.components} components (KS, ${d.correction}${d.sample_reference === undefined ? '' : `, on samples of ${d.sample_reference} / ${d.sample_current} vectors`})`;
    return d.metric === undefined ? '' : `${d.metric} distance between the mean vectors`;
  };
  const rows = groups.flatMap((g) =>
    g.results.map(
      (x, i) =>
        `<tr>${i === 0 ? `<td rowspan="${g.results.length}">${esc(g.feature)}<div class="msg">${esc(g.what)}</div></td>` : ''}<td>${esc(x.method)}</td><td class="n">${fmt(x.statistic)}</td><td class="n">${x.p_value === null ? '–' : fmt(x.p_value)}</td><td class="n">${threshold(x)}</td><td>${badge(x.drifted)}</td><td>${esc(x.message ?? detail(x))}</td></tr>`,
    ),
  );
  return `<section id="multivariate" class="card"><h2>Multivariate and embedding drift</h2>
<p class="msg">Drift of the features taken together (PCA reconstruction error against the reference chunks' band, MMD with a permutation p-value) and of each embedding (MMD, distance between the mean vectors against a threshold learned from reference chunks, share of drifted components).${r.multivariate ? ` Imputation: ${esc(r.multivariate.imputation)}.` : ''}</p>
<table class="features"><thead><tr><th>Feature</th><th>Method</th><th class="n">Statistic</th><th class="n">p-value</th><th class="n">Threshold</th><th>Verdict</th><th>Details</th></tr></thead>
<tbody>${rows.join('')}</tbody></table></section>`;
}

function segments(r: DriftReport): string {
  if (!r.segments?.values.length) return '';
  const rows = r.segments.values.map(
    (s) =>
      `<tr><td>${esc(s.segment?.value ?? '')}</td><td>${badge(s.dataset.drifted)}</td><td class="n">${pct(s.dataset.drifted_share)}</td><td class="n">${s.dataset.features_drifted} / ${s.dataset.features_evaluated}</td><td class="n">${count(s.window.rows)}</td><td>${esc(
        s.features.filter((f) => f.drifted).map((f) => f.feature).join(', '),
      )}</td></tr>`,
  );
  return `<section id="segments" class="card"><h2>By ${esc(r.segments.name)}</h2>
<table><thead><tr><th>Value</th><th>Verdict</th><th class="n">Drifted share</th><th class="n">Features drifted</th><th class="n">Rows</th><th>Drifted features</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

const CSS = `
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f4f5f7;--bad:${BAD};--good:${GOOD}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
a{color:#2f5f99;text-decoration:none}a:hover{text-decoration:underline}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;padding:1px 4px;border-radius:4px}
.wrap{max-width:1180px;margin:0 auto;padding:0 24px}
header.top{background:#1f2a37;color:#fff;padding:22px 0 18px}
.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:11px;color:#9fb3c8}
h1{margin:4px 0 14px;font-size:26px;font-weight:650;word-break:break-word}
h1 .seg{font-size:15px;font-weight:500;background:#334155;border-radius:6px;padding:2px 8px;vertical-align:middle}
dl.meta{display:flex;flex-wrap:wrap;gap:8px 36px;margin:0}
dl.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#9fb3c8}
dl.meta dd{margin:0;font-variant-numeric:tabular-nums}
main.wrap{padding:6px 24px 36px}
section{margin-top:18px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 20px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:0;word-break:break-word}
h3.sub{font-size:13px;color:var(--muted);font-weight:600;margin:16px 0 4px}
.verdict{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px 24px;padding:14px 18px;border-radius:8px;border-left:5px solid;margin-bottom:12px}
.verdict.bad{background:#fdf1ef;border-color:var(--bad)}
.verdict.good{background:#eef7f1;border-color:var(--good)}
.verdict.unknown{background:#f3f4f6;border-color:#9ca3af}
.verdict .big{font-size:19px;font-weight:650;margin-bottom:2px}
.problems{background:#fff8e6;border:1px solid #f1d48a;border-radius:8px;padding:4px 14px;margin-bottom:12px}
.problems p{margin:6px 0}
.drifted-list{margin:6px 0 12px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 10px 6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;white-space:nowrap}
td.hot{color:var(--bad);font-weight:600}
tbody tr:hover{background:#fafbfc}
tr.drifted td:first-child{box-shadow:inset 3px 0 var(--bad)}
table.features td:first-child{max-width:240px;overflow-wrap:anywhere}
table.quality{max-width:560px}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11px;font-weight:650;letter-spacing:.03em;white-space:nowrap}
.badge.bad{background:#fde2dd;color:#9b2c1c}.badge.good{background:#dcefe3;color:#1f5e3a}.badge.unknown{background:#eceef1;color:#4b5563}
.kind{color:var(--muted);font-size:12px;font-weight:400}
.msg{color:var(--muted);font-size:12px;margin-top:2px}
.section-head{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:8px 20px;margin:6px 2px 10px}
.section-head h2{margin:0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:16px}
.feature header{display:flex;align-items:baseline;justify-content:space-between;gap:10px}
.feature.is-drifted{border-top:3px solid var(--bad)}
.feature .stat{margin:4px 0 0;font-size:13px}
.feature .foot{margin:4px 0 0;color:var(--muted);font-size:12px}
svg.chart{width:100%;height:auto;display:block;margin-top:6px}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#4b5563}
svg.meter text{font-size:10px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--muted)}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.sw.dash{height:0;width:16px;border-top:2px dashed var(--bad);border-radius:0;vertical-align:3px}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;padding:0 24px 30px}
.also{color:var(--muted)}
td.worse{color:var(--bad);font-weight:600}td.better{color:var(--good);font-weight:600}
`;

/** The whole report as one HTML document that needs nothing but itself to display. */
export function renderDriftHtml(input: DriftHtmlInput): string {
  const r = input.report;
  const ranked = driftRanking(r.features);
  // Anchors by position: feature names are user data and make poor ids.
  const anchors = new Map(ranked.map((f, i) => [f, `f-${i}`] as const));
  const notes = input.notes.length ? `<section id="notes" class="card"><h2>Notes</h2>${input.notes.map((n) => `<p class="msg">${esc(n)}</p>`).join('')}</section>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="mlobs">
<title>Drift report · ${esc(r.model)}</title>
<style>${CSS}</style>
</head>
<body>
${header(input)}
<main class="wrap">
${summary(r, ranked, anchors)}
${features(ranked, anchors, input.distributions)}
${vectors(r)}
${history(r, ranked, input.history)}
${quality(input.quality)}
${segments(r)}
${notes}
</main>
<footer class="wrap">Generated by mlobs at ${esc(when(input.generatedAt))} · report computed in ${count(r.elapsed_ms)} ms · p-values ${r.dataset.correction === 'none' ? 'unadjusted' : `${esc(r.dataset.correction)}-adjusted`}.</footer>
</body>
</html>
`;
}

