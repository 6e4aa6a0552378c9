/**
 * `mlobs drift …`: talks to a running stack over HTTP (one process owns a data dir), like amtool.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError } from '../../core/errors.js';
import { parseFlags } from '../../core/flags.js';
import { parseTime, parseWindow, TIME_SYNTAX } from '../../core/time.js';
import { StackClient, stackUrl } from '../../http/client.js';
import { driftTable, qualityTable } from './format.js';
import { writeDriftHtml } from '../html/collect.js';
import { check, CHECK_HELP } from './check.js';
import { createProgress } from './progress.js';

export const DRIFT_HELP = `mlobs drift report --model M --from T1 [--to T2] [--version V4] [--reference upload|rolling:7d|alias:champion|T3/T4 | --reference-from T3 --reference-to T4 | --reference-version V3]
                   [--methods auto,ks,wasserstein,psi,js,chi2] [--segment NAME [--segment-value V]] [--format table|json|html --out FILE] [--url URL]
    drift of every feature (html: one self-contained page with charts, drift over time and quality), the prediction, the score and the label between the window and a reference
mlobs drift reference --model M --file rows.ndjson|rows.json [--chunk-mb 4] [--quiet]
    upload a training set as the model's reference (JSON array or NDJSON of feature rows); progress on a terminal
mlobs drift reference --model M (--from T1 [--to T2] | --rolling 7d | --upload)
    declare the model's reference: a stored window, the same window shifted back, or the upload
mlobs drift reference --model M
    show the model's reference
mlobs drift quality --model M --from T1 [--to T2] [--version V] [--segment NAME] [--format table|json] [--url URL]
    accuracy, precision, recall, F1, ROC AUC or MAE, RMSE, MAPE once labels arrived
${CHECK_HELP}
T: ${TIME_SYNTAX.replace(/^use /, '')}; --to defaults to now.`;

function format(v: string | undefined, html = false): 'table' | 'json' | 'html' {
  if (v === undefined || v === 'table' || v === 'json' || (html && v === 'html')) return v ?? 'table';
  throw new ConfigError(`--format must be table${html ? ', json or html' : ' or json'}, got ${JSON.stringify(v)}`);
}

/**
 * --from/--to as the query's from/to: checked here with the shared parser so a typo is named as the
 * flag, then sent as typed, so the stack resolves `now-1h` against its own clock. --to defaults to now.
 */
function windowQuery(values: { model?: string; from?: string; to?: string }): URLSearchParams {
  const w = parseWindow({ from: values.from, to: values.to }, Date.now(), { names: ['--from', '--to'] });
  if (!w.ok) throw new ConfigError(w.error);
  return new URLSearchParams({ model: values.model!, from: values.from!, to: values.to ?? 'now' });
}

function checkTime(flag: string, v: string | undefined): void {
  if (v === undefined) return;
  const r = parseTime(v, Date.now(), flag);
  if (!r.ok) throw new ConfigError(r.error);
}

function need(values: Record<string, unknown>, ...names: string[]): void {
  for (const n of names) if (values[n] === undefined) throw new ConfigError(`--${n} is required; see mlobs drift --help`);
}

async function report(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, reference: { type: 'string' },
    'reference-from': { type: 'string' }, 'reference-to': { type: 'string' }, methods: { type: 'string' },
    segment: { type: 'string' }, 'segment-value': { type: 'string' }, format: { type: 'string' }, url: { type: 'string' },
    out: { type: 'string' }, version: { type: 'string' }, 'reference-version': { type: 'string' },
  });
  need(values, 'model', 'from');
  const fmt = format(values.format, true);
  if (fmt === 'html' && !values.out) throw new ConfigError('--format html needs --out FILE');
  const q = windowQuery(values);
  const interval = values.reference?.includes('/') ? values.reference.split('/') : null;
  if (interval) {
    if (interval.length !== 2) throw new ConfigError('--reference T3/T4 needs exactly one "/"');
    interval.forEach((t, i) => checkTime(i ? '--reference (end)' : '--reference (start)', t));
    q.set('reference_from', interval[0]!);
    q.set('reference_to', interval[1]!);
  } else if (values.reference) q.set('reference', values.reference);
  checkTime('--reference-from', values['reference-from']);
  checkTime('--reference-to', values['reference-to']);
  if (values['reference-from']) q.set('reference_from', values['reference-from']);
  if (values['reference-to']) q.set('reference_to', values['reference-to']);
  if (values.version) q.set('version', values.version);
  if (values['reference-version']) q.set('reference_version', values['reference-version']);
  if (values.methods) q.set('methods', values.methods);
  if (values.segment) q.set('segment', values.segment);
  if (values['segment-value']) q.set('segment_value', values['segment-value']);
  if (fmt === 'html') {
    const { path, bytes, report: r } = await writeDriftHtml(new StackClient(stackUrl(values.url)), q, values.out!);
    console.log(`wrote ${path} (${bytes} bytes): ${r.dataset.features_drifted} of ${r.dataset.features_evaluated} input features drifted`);
    return;
  }
  const body = await new StackClient(stackUrl(values.url)).call(`/v1/drift/report?${q}`);
  console.log(fmt === 'json' ? JSON.stringify(body, null, 2) : driftTable(body));
}

async function quality(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, { model: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, segment: { type: 'string' }, format: { type: 'string' }, url: { type: 'string' }, version: { type: 'string' } });
  need(values, 'model', 'from');
  const fmt = format(values.format);
  const q = windowQuery(values);
  if (values.segment) q.set('segment', values.segment);
  if (values.version) q.set('version', values.version);
  const body = await new StackClient(stackUrl(values.url)).call(`/v1/drift/quality?${q}`);
  console.log(fmt === 'json' ? JSON.stringify(body, null, 2) : qualityTable(body));
}

/** Rows of a JSON-array or NDJSON file as NDJSON lines, streamed when the file is NDJSON. */
async function* lines(file: string): AsyncGenerator<string> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const buf = Buffer.alloc(1024);
  const head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8').trimStart();
  closeSync(fd);
  if (head.startsWith('[')) {
    let rows: unknown;
    try {
      rows = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    for (const r of rows as unknown[]) yield JSON.stringify(r);
    return;
  }
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) if (line.trim()) yield line;
}

/** Uploads in chunks; every chunk carries its first row's offset, so a retried chunk is stored once. */
async function upload(client: StackClient, model: string, file: string, chunkBytes: number, quiet: boolean): Promise<void> {
  const path = `/v1/models/${encodeURIComponent(model)}/reference`;
  let version: string | undefined;
  let offset = 0;
  let chunk: string[] = [];
  let size = 0;
  // Bytes of the file behind the rows sent so far (lines and their newlines), for the progress line.
  let bytes = 0;
  let total: number | undefined;
  try {
    total = statSync(file).size;
  } catch {
    // lines() below names the unreadable file.
  }
  const progress = createProgress({ label: `uploading ${file}`, totalBytes: total, quiet });
  const send = async (complete: boolean) => {
    const q = new URLSearchParams({ complete: String(complete), offset: String(offset) });
    if (version) q.set('version', version);
    const r = await client.call(`${path}?${q}`, { method: 'POST', body: chunk.join('\n'), contentType: 'application/x-ndjson' });
    version = r.version;
    offset += chunk.length;
    progress.update(bytes, offset);
    chunk = [];
    size = 0;
    return r;
  };
  for await (const line of lines(file)) {
    if (size + line.length > chunkBytes && chunk.length) await send(false);
    chunk.push(line);
    size += line.length + 1;
    bytes += Buffer.byteLength(line) + 1;
  }
  if (offset === 0 && chunk.length === 0) throw new ConfigError(`${file} holds no rows`);
  const r = await send(true);
  progress.done();
  console.log(`uploaded ${r.rows} rows as reference ${r.version} of model ${model}`);
}

async function reference(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' }, file: { type: 'string' }, 'chunk-mb': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    rolling: { type: 'string' }, upload: { type: 'boolean' }, url: { type: 'string' }, format: { type: 'string' }, quiet: { type: 'boolean' },
  });
  need(values, 'model');
  const client = new StackClient(stackUrl(values.url));
  const path = `/v1/models/${encodeURIComponent(values.model!)}/reference`;
  const chosen = [values.file, values.from ?? values.to, values.rolling, values.upload].filter((v) => v !== undefined);
  if (chosen.length > 1) throw new ConfigError('give one of --file, --from/--to, --rolling, --upload');
  if (values.file) {
    const mb = Number(values['chunk-mb'] ?? 4);
    if (!(mb > 0)) throw new ConfigError('--chunk-mb must be a positive number');
    return upload(client, values.model!, values.file, mb * 1024 * 1024, !!values.quiet);
  }
  let spec: object | null = null;
  if (values.from !== undefined || values.to !== undefined) {
    need(values, 'from');
    const w = parseWindow({ from: values.from, to: values.to }, Date.now(), { names: ['--from', '--to'] });
    if (!w.ok) throw new ConfigError(w.error);
    spec = { type: 'window', from: values.from, to: values.to ?? 'now' };
  } else if (values.rolling) spec = { type: 'rolling', offset: values.rolling };
  else if (values.upload) spec = { type: 'upload' };
  const body = spec ? await client.call(path, { method: 'PUT', body: JSON.stringify(spec) }) : await client.call(path);
  console.log(JSON.stringify(body, null, 2));
}

/** `mlobs drift report | reference | quality | check`. */
export async function drift(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return void console.log(DRIFT_HELP);
  if (sub === 'report') return report(rest);
  if (sub === 'reference') return reference(rest);
  if (sub === 'quality') return quality(rest);
  if (sub === 'check') return check(rest);
  throw new ConfigError(`unknown drift command ${JSON.stringify(sub)}; run mlobs drift --help`);
}
