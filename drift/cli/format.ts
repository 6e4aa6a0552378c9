/** Plain-text rendering of drift and quality reports for `--format table`. */
import type { QualityGroup, QualityReport } from '../quality/quality.js';
import type { DriftReport, FeatureReport } from '../report/types.js';

const num = (v: number | null | undefined, digits = 4): string => {
  if (v === null || v === undefined) return '-';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(2);
  return v.toFixed(digits).replace(/\.?0+$/, '') || '0';
};
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);
const yes = (v: boolean | null) => (v === null ? '?' : v ? 'YES' : 'no');

/** "N things: a, b, c, d, e and N−5 more": hundreds of names on one line help nobody. */
export function fewThenCount(names: string[], what: string, few = 5): string {
  const rest = names.length - few;
  return `${names.length} ${what}: ${names.slice(0, few).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function featureRows(f: FeatureReport): string[][] {
  const side = [String(f.reference.values), String(f.current.values), pct(f.reference.missing_share), pct(f.current.missing_share)];
  const verdict = yes(f.drifted) + (f.decided_by === 'missing' || f.decided_by === 'type' ? ` (${f.decided_by})` : '');
  if (f.results.length === 0) return [[f.feature, f.type ?? '-', f.status, '-', '-', '-', '-', '-', verdict, ...side]];
  return f.results.map((r, i) => [
    i === 0 ? f.feature : '',
    i === 0 ? (f.type ?? '-') : '',
    r.status === 'ok' ? (i === 0 ? f.status : '') : r.status,
    r.method + (f.decided_by === r.method ? '*' : ''),
    num(r.statistic),
    num(r.p_adjusted ?? r.p_value),
    r.threshold === null ? '-' : num(r.threshold) + (r.threshold_source === 'learned' ? ' (learned)' : ''),
    yes(r.drifted),
    i === 0 ? verdict : '',
    ...(i === 0 ? side : ['', '', '', '']),
  ]);
}

/** A drift report as text: verdict, one line per feature and method, then notes and segments. */
export function driftTable(r: DriftReport): string {
  const ref = r.reference.type === 'upload' ? `upload ${r.reference.version}` : `${r.reference.from} – ${r.reference.to}${r.reference.type === 'rolling' ? ' (rolling)' : r.reference.type === 'alias' ? ` (version ${r.reference.version}, which held alias ${r.reference.alias} before ${r.reference.holder ?? 'it was deleted'})` : ''}`;
  const d = r.dataset;
  const lines = [
    `model ${r.model}${r.segment ? ` [${r.segment.name}=${r.segment.value}]` : ''}: current ${r.window.from} – ${r.window.to} (${r.window.rows} rows), reference ${ref} (${r.reference.rows} rows)`,
    `data set drifted: ${yes(d.drifted)} — ${d.features_drifted} of ${d.features_evaluated} features (${pct(d.drifted_share)} weighted, threshold ${pct(d.share_threshold)}${d.correction !== 'none' ? `, ${d.correction} correction` : ''})`,
    ...r.problems.map((p) => `problem: ${p}`),
    '',
    table([['feature', 'type', 'status', 'method', 'statistic', 'p-value', 'threshold', 'method drift', 'feature drift', 'n ref', 'n cur', 'missing ref', 'missing cur'], ...r.features.flatMap(featureRows)]),
  ];
  const notes = r.features.flatMap((f) => [
    ...(f.message ? [`${f.feature}: ${f.message}`] : []),
    ...f.results.filter((x) => x.status !== 'ok' && x.message).map((x) => `${f.feature}: ${x.message}`),
    ...f.results
      .filter((x) => x.details.within_noise)
      .map((x) => `${f.feature}: ${x.method} ${num(x.statistic)} reaches its threshold, but sampling noise explains it on this sparse table (pooled chi-square p = ${num(x.details.noise_p_value as number)}); not drift`),
    ...(f.unseen_categories?.length ? [`${f.feature}: ${fewThenCount(f.unseen_categories, 'categories not in the reference')}`] : []),
  ]);
  lines.push('', '* the method that decided the feature' + (r.dataset.correction !== 'none' ? '; p-values adjusted' : ''), ...notes);
  for (const s of r.segments?.values ?? []) lines.push('', '—'.repeat(40), driftTable(s));
  return lines.join('\n');
}

function qualityLine(g: QualityGroup): string {
  return `${Object.entries(g.metrics).map(([k, v]) => `${k}=${num(v)}`).join('  ')}  (${g.labelled} labelled)${g.notes.length ? `\n    ${g.notes.join('; ')}` : ''}`;
}

/** A quality report as text. */
export function qualityTable(q: QualityReport): string {
  const lines = [`model ${q.model} (${q.task ?? 'no predictions'}): ${q.window.from} – ${q.window.to}`, `  overall: ${qualityLine(q.overall)}`];
  for (const g of q.segments?.values ?? []) lines.push(`  ${q.segments!.name}=${g.segment}: ${qualityLine(g)}`);
  const e = q.estimated;
  if (e?.estimate) {
    const band = (k: keyof NonNullable<typeof e.estimate>) => `${k}=${num(e.estimate![k])} [${num(e.lower![k])}, ${num(e.upper![k])}]`;
    lines.push(`  estimated without labels (CBPE, ${e.calibration} calibration on ${e.reference_rows} reference rows, ${Math.round(e.level * 100)}% band, ${e.rows} rows): ${(['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const).map(band).join('  ')}`);
  } else if (e) lines.push(`  estimated without labels: ${e.notes.join('; ')}`);
  return lines.join('\n');
}
