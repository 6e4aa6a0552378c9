import type { CostGroup, CostReport } from './report.js';

/** Output formats of `mlobs cost`. */
export const FORMATS = ['table', 'csv', 'json'] as const;
export type Format = (typeof FORMATS)[number];

interface Column {
  head: string;
  value: (g: CostGroup) => number | string | null | undefined;
}

function columns(r: CostReport): Column[] {
  const cols: Column[] = [
    { head: r.by, value: (g) => g.group },
    { head: 'gpu_hours', value: (g) => g.gpuHours },
    { head: 'allocated_gpu_hours', value: (g) => g.allocatedGpuHours },
    { head: 'busy_gpu_hours', value: (g) => g.busyGpuHours },
    { head: 'efficiency', value: (g) => g.efficiency },
    { head: 'avg_utilisation', value: (g) => g.avgUtilisation },
    { head: 'idle_gpu_hours', value: (g) => g.idleGpuHours },
    { head: 'cost', value: (g) => g.cost },
    { head: 'busy_cost', value: (g) => g.busyCost },
    { head: 'idle_cost', value: (g) => g.idleCost },
  ];
  if (r.by === 'model') {
    cols.push(
      { head: 'predictions', value: (g) => g.predictions },
      { head: 'cost_per_1k_predictions', value: (g) => g.costPer1kPredictions },
      { head: 'tokens', value: (g) => g.tokens },
      { head: 'cost_per_1k_tokens', value: (g) => g.costPer1kTokens },
    );
  }
  cols.push({ head: 'previous_cost', value: (g) => g.previousCost }, { head: 'cost_change', value: (g) => g.costChange });
  return cols;
}

const totalRow = (r: CostReport): CostGroup => ({ group: 'TOTAL', ...r.total, previousCost: r.previous.total?.cost ?? null, costChange: r.previous.costChange });

function csvCell(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV: one line per group, then a TOTAL line. */
export function toCsv(r: CostReport): string {
  const cols = columns(r);
  const lines = [cols.map((c) => c.head), ...[...r.groups, totalRow(r)].map((g) => cols.map((c) => csvCell(c.value(g))))];
  return lines.map((l) => l.join(',')).join('\r\n') + '\r\n';
}

function money(v: number | null | undefined, decimals = 2): string {
  return v === null || v === undefined ? '-' : v.toFixed(decimals);
}

/** A fixed-width table with the window, what was unattributed or unobserved, and the previous period underneath. */
export function toTable(r: CostReport): string {
  const cols = columns(r);
  const text = (c: Column, g: CostGroup): string => {
    const v = c.value(g);
    if (typeof v === 'string') return v;
    if (v === null || v === undefined) return '-';
    if (c.head.endsWith('hours')) return v.toFixed(2);
    if (c.head === 'efficiency' || c.head === 'avg_utilisation') return `${(v * 100).toFixed(1)}%`;
    if (c.head === 'predictions' || c.head === 'tokens') return String(v);
    return money(v, c.head.startsWith('cost_per_1k_') ? 4 : 2);
  };
  const rows = [...r.groups, totalRow(r)].map((g) => cols.map((c) => text(c, g)));
  const heads = cols.map((c) => c.head);
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `GPU cost by ${r.by}, ${r.from} to ${r.to}${r.end !== r.to ? ` (measured to ${r.end})` : ''}, in ${r.currency}`,
    '',
    line(heads),
    ...rows.slice(0, -1).map(line),
    widths.map((w) => '-'.repeat(w)).join('  '),
    line(rows[rows.length - 1]!),
    '',
    `unattributed (no pod): ${r.unattributed.gpuHours.toFixed(2)} GPU-hours, ${money(r.unattributed.cost)} ${r.currency}${r.unattributed.fraction !== null ? ` (${(r.unattributed.fraction * 100).toFixed(1)}% of observed)` : ''}`,
    `unobserved (no sample within ${r.maxSampleIntervalMs / 1000}s, not billed): ${r.unobserved.gpuHours.toFixed(2)} GPU-hours${r.unobserved.fraction !== null ? ` (${(r.unobserved.fraction * 100).toFixed(1)}% of the window)` : ''}`,
    r.previous.total
      ? `previous period ${r.previous.from} to ${r.previous.to}: ${money(r.previous.total.cost)} ${r.currency}, change ${money(r.previous.costChange)}${r.previous.costChangePct !== null ? ` (${r.previous.costChangePct}%)` : ''}`
      : `previous period ${r.previous.from} to ${r.previous.to}: ${r.previous.unavailable ?? 'unavailable'}`,
    `idle: allocated and below ${(r.idleUtilisationThreshold * 100).toFixed(1)}% utilisation. ${r.rounding}`,
  ];
  return out.join('\n') + '\n';
}

/** Renders a report in one of the CLI formats. */
export function formatReport(r: CostReport, format: Format): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  if (format === 'csv') return toCsv(r);
  return toTable(r);
}
