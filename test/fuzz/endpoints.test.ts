// Hostile input against a real `mlobs up` process: every endpoint that takes input gets random bytes,
// deep JSON, huge numbers, NaN/Infinity spellings, invalid UTF-8, oversized names and (ingest) mixed
// valid/invalid batches. The stack runs as its own process so that a crash is seen and its RSS measured.
// Seed: FUZZ_SEED (printed); the inputs of a seed are the same on every run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnMlobs, waitReady } from '../helpers/process.js';
import { ENDPOINTS, FUZZ_MLFLOW_SECRET, build, slotCount, type Endpoint } from './endpoints.js';
import { ID_FIELD, breakEvent, deepJson, hugeNumbers, invalidUtf8, nanInf, oversizedNames, randomBytes, validEvent, type Fragment } from './generators.js';
import { configInputs, checkConfigInput } from './config-inputs.js';
import { eventually } from '../helpers/eventually.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
/** Inputs per (category, endpoint): 6 categories x 15 rows x 180 + 3 x 180 mixed batches = 16,740 requests. */
const PER_ENDPOINT = 180;
const MIXED_PER_KIND = 180;
const CONFIG_INPUTS = 1500;
/** Peak RSS of the stack process (embedded ClickHouse included) must stay under this. */
const RSS_CEILING_MIB = 1536;
const CONCURRENCY = 8;

// Answers a well-behaved server may give to bad input: 409 for a silence that overlaps another,
// 431 from Node's HTTP parser for a URL past its header limit. 503 only with Retry-After.
const ALLOWED = new Set([200, 201, 202, 204, 400, 401, 404, 405, 409, 413, 415, 422, 431, 503]);

const CATEGORIES: Record<string, fc.Arbitrary<Fragment>> = { deep_json: deepJson, huge_numbers: hugeNumbers, nan_inf: nanInf, invalid_utf8: invalidUtf8, oversized_names: oversizedNames };

type Outcome = { category: string; endpoint: string; status: number; retryAfter: string | null; text: string; sent: Buffer; path: string };

const dir = mkdtempSync(join(tmpdir(), 'mlobs-fuzz-'));
const RUN = `fz${SEED}x${Date.now().toString(36)}`;

/** Polls until `check` holds, through the one wait helper (which fails on timeout with the last value). */
const waitFor = <T>(what: string, fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 180_000) => eventually(fn, check, { timeoutMs, intervalMs: 200, what });

describe('hostile input against every endpoint', () => {
  let child: ReturnType<typeof spawnMlobs>;
  let base: string;
  let peakPolledKiB = 0;
  let poller: NodeJS.Timeout;
  const rss = (field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);

  beforeAll(async () => {
    const port = await freePort();
    const config = join(dir, 'mlobs.yaml');
    writeFileSync(config, `sink: { batchMaxWaitMs: 50ms, retryInitialMs: 20ms, retryMaxMs: 500ms }\nregistry: { mlflow: { secret: ${FUZZ_MLFLOW_SECRET} } }\n`);
    child = spawnMlobs(['up', '--config', config, '--port', String(port), '--data-dir', join(dir, 'data')], {});
    base = `http://127.0.0.1:${port}`;
    await waitReady(`${base}/readyz`, child, 90_000);
    poller = setInterval(() => {
      try {
        peakPolledKiB = Math.max(peakPolledKiB, rss('VmRSS'));
      } catch {
        // the process is gone; the test below says so
      }
    }, 100);
  });
  afterAll(() => {
    clearInterval(poller);
    child?.kill('SIGTERM');
  });

  let sent = 0;
  const send = async (category: string, e: Endpoint, req: { path: string; body: Buffer }): Promise<Outcome> => {
    try {
      const res = await fetch(base + req.path, { method: 'POST', headers: { 'content-type': e.contentType, ...e.headers?.(++sent, Date.now()), ...e.sign?.(req.body, sent, Date.now()) }, body: req.body as unknown as BodyInit });
      return { category, endpoint: e.name, status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text(), sent: req.body, path: req.path };
    } catch (err) {
      // status 0: the connection was not answered (reset, closed) — never allowed.
      return { category, endpoint: e.name, status: 0, retryAfter: null, text: String((err as Error).cause ?? err), sent: req.body, path: req.path };
    }
  };

  /** Runs `jobs` with bounded concurrency. */
  const pool = async <T>(jobs: (() => Promise<T>)[]): Promise<T[]> => {
    const out: T[] = new Array(jobs.length);
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }));
    return out;
  };

  const configFigures = { total: 0, accepted: 0, refused: 0 };
  it('the config loader refuses every hostile config with a ConfigError naming the key, and never anything else', () => {
    for (const input of fc.sample(configInputs(dir), { seed: SEED, numRuns: CONFIG_INPUTS })) {
      const r = checkConfigInput(input);
      configFigures.total++;
      if (r === 'accepted') configFigures.accepted++;
      else configFigures.refused++;
    }
    expect(configFigures.total).toBe(CONFIG_INPUTS);
    expect(configFigures.refused).toBeGreaterThan(CONFIG_INPUTS / 2);
    // Bounded by count; the time limit only catches a hang, and allows for a machine that is busy.
  }, 300_000);

  it('answers 10,000 hostile inputs with no 5xx but 503 + Retry-After, stays alive under its RSS ceiling, and stores each valid event of a mixed batch exactly once', async () => {
    const nowMs = Date.now();
    const jobs: (() => Promise<Outcome>)[] = [];
    let n = 0;
    // Fragment categories: every endpoint, a random slot each time.
    Object.entries(CATEGORIES).forEach(([category, arb], ci) => {
      ENDPOINTS.forEach((e, ei) => {
        const inputs = fc.sample(fc.tuple(arb, fc.nat({ max: slotCount(e) - 1 })), { seed: SEED + ci * 101 + ei, numRuns: PER_ENDPOINT });
        for (const [f, at] of inputs) {
          const i = n++;
          jobs.push(() => send(category, e, build(e, i, nowMs, at, f)));
        }
      });
    });
    ENDPOINTS.forEach((e, ei) => {
      for (const bytes of fc.sample(randomBytes, { seed: SEED + 7_001 + ei, numRuns: PER_ENDPOINT })) {
        jobs.push(() => send('random_bytes', e, { path: build(e, 0, nowMs, -1, null).path, body: bytes }));
      }
    });

    // Mixed batches: ids made unique per run; which ones are valid is known by construction.
    const expected = new Map<string, { valid: Set<string>; invalid: Set<string> }>();
    const batchChecks: { endpoint: string; size: number; invalidIdx: number[]; got: Promise<Outcome> | null }[] = [];
    let seq = 0;
    for (const e of ENDPOINTS.filter((x) => x.mixed)) {
      const kind = e.mixed!.kind;
      const sets = { valid: new Set<string>(), invalid: new Set<string>() };
      expected.set(e.name, sets);
      const batchArb = fc.tuple(fc.array(fc.tuple(validEvent(kind, nowMs), fc.option(breakEvent, { freq: 3 })), { minLength: 1, maxLength: 40 }), fc.boolean());
      for (const [items, asArray] of fc.sample(batchArb, { seed: SEED + 9_001 + kind.length, numRuns: MIXED_PER_KIND })) {
        const lines: string[] = [];
        const invalidIdx: number[] = [];
        let ndjson = !asArray;
        items.forEach(([mk, brk], idx) => {
          const id = `${RUN}_${seq++}`;
          const ev = mk(id);
          expect(ev[ID_FIELD[kind]]).toBe(id);
          if (!brk) {
            lines.push(JSON.stringify(ev));
            sets.valid.add(id);
            return;
          }
          const broken = brk(ev, kind);
          lines.push(broken.text);
          ndjson ||= broken.ndjsonOnly;
          invalidIdx.push(idx);
          sets.invalid.add(id);
        });
        const body = Buffer.from(ndjson ? lines.join('\n') : `[${lines.join(',')}]`);
        const check = { endpoint: e.name, size: items.length, invalidIdx, got: null as Promise<Outcome> | null };
        batchChecks.push(check);
        jobs.push(() => (check.got = send('mixed_batch', e, { path: e.path[0] as string, body })));
      }
    }

    // Interleave categories so that memory and backlog are tested under a mix, not one kind at a time.
    const order = fc.sample(fc.shuffledSubarray(jobs.map((_, i) => i), { minLength: jobs.length, maxLength: jobs.length }), { seed: SEED, numRuns: 1 })[0]!;
    const started = Date.now();
    const outcomes = await pool(order.map((i) => jobs[i]!));
    const httpSeconds = (Date.now() - started) / 1000;

    // The process is alive and still answers.
    expect(child.exitCode, child.output().slice(-4000)).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    // Every answer is in the allowed set; a 503 carries Retry-After.
    const bad = outcomes.filter((o) => !ALLOWED.has(o.status) || (o.status === 503 && !o.retryAfter));
    const show = (o: Outcome) => `${o.endpoint}/${o.category} ${o.path.slice(0, 120)} -> ${o.status} ${o.text.slice(0, 300)} | sent ${o.sent.length} B: ${JSON.stringify(o.sent.subarray(0, 200).toString('latin1'))}`;
    // One example per (endpoint, category, status), so a failure shows every distinct problem at once.
    const examples = new Map<string, string>();
    for (const o of bad) examples.set(`${o.endpoint}/${o.category}/${o.status}`, show(o));
    expect([...examples.values()], `${bad.length} inputs got a forbidden answer`).toEqual([]);

    // The HTTP answer to each mixed batch lists exactly the invalid indices.
    for (const c of batchChecks) {
      const o = await c.got!;
      const body = JSON.parse(o.text) as { rejected?: { index: number; reason: string }[] };
      expect(o.status, o.text.slice(0, 500)).toBe(c.invalidIdx.length === c.size ? 400 : 202);
      expect((body.rejected ?? []).map((r) => r.index), `${c.endpoint}: ${o.text.slice(0, 500)}`).toEqual(c.invalidIdx);
      expect((body.rejected ?? []).every((r) => r.reason)).toBe(true);
    }

    // Storage: every valid id exactly once (FINAL), no invalid id; every invalid id dead-lettered with a reason.
    const sql = async <T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> => {
      const res = await fetch(`${base}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, params }) });
      const j = (await res.json()) as { data: T[]; error?: string };
      if (!res.ok) throw new Error(`SQL failed: ${j.error}`);
      return j.data;
    };
    const figures: Record<string, string | number> = {};
    for (const e of ENDPOINTS.filter((x) => x.mixed)) {
      const { table, kind } = e.mixed!;
      const idCol = ID_FIELD[kind];
      const sets = expected.get(e.name)!;
      const stored = await waitFor(
        `${sets.valid.size} ${table} rows of this run`,
        () => sql<{ id: string; c: string }>(`SELECT ${idCol} AS id, count() AS c FROM ${table} FINAL WHERE startsWith(${idCol}, {p:String}) GROUP BY id`, { p: RUN + '_' }),
        (rows) => rows.length >= sets.valid.size,
      );
      const storedIds = new Set(stored.map((r) => r.id));
      expect([...sets.valid].filter((id) => !storedIds.has(id)), `${table}: valid ids missing`).toEqual([]);
      expect(stored.filter((r) => !sets.valid.has(r.id)).map((r) => r.id), `${table}: ids stored that were invalid`).toEqual([]);
      expect(stored.filter((r) => Number(r.c) !== 1), `${table}: ids not stored exactly once`).toEqual([]);
      const [raw] = await sql<{ rows: string; ids: string }>(`SELECT count() AS rows, uniqExact(${idCol}) AS ids FROM ${table} WHERE startsWith(${idCol}, {p:String})`, { p: RUN + '_' });
      figures[`${table} stored (FINAL / raw rows / distinct)`] = `${stored.length} / ${raw!.rows} / ${raw!.ids}`;

      const dead = await waitFor(
        `${sets.invalid.size} dead letters for ${table}`,
        () => sql<{ id: string; reasons: string[] }>(
          `SELECT id, groupUniqArray(reason) AS reasons FROM (SELECT arrayJoin(extractAll(payload, {re:String})) AS id, reason FROM dead_letters WHERE kind = {k:String} AND position(payload, {p:String}) > 0) GROUP BY id`,
          { re: `${RUN}_[0-9]+`, k: kind, p: RUN + '_' },
        ),
        (rows) => rows.filter((r) => sets.invalid.has(r.id)).length >= sets.invalid.size,
      );
      const deadIds = new Map(dead.map((r) => [r.id, r.reasons]));
      expect([...sets.invalid].filter((id) => !deadIds.get(id)?.every((r) => r.length > 0)), `${table}: invalid ids without a dead letter and reason`).toEqual([]);
      expect(dead.filter((r) => sets.valid.has(r.id)).map((r) => r.id), `${table}: valid ids dead-lettered`).toEqual([]);
      figures[`${table} mixed: valid / invalid`] = `${sets.valid.size} / ${sets.invalid.size}`;
    }

    // Memory: the kernel's high-water mark of the process's resident set.
    const peakMiB = Math.max(rss('VmHWM'), peakPolledKiB) / 1024;
    expect(peakMiB).toBeLessThan(RSS_CEILING_MIB);

    // Per-category minimum: every input was answered (not merely sent).
    const answered = new Map<string, number>();
    const statuses = new Map<string, Map<number, number>>();
    for (const o of outcomes) {
      if (o.status) answered.set(o.category, (answered.get(o.category) ?? 0) + 1);
      const m = statuses.get(o.category) ?? new Map<number, number>();
      m.set(o.status, (m.get(o.status) ?? 0) + 1);
      statuses.set(o.category, m);
    }
    for (const c of [...Object.keys(CATEGORIES), 'random_bytes']) expect(answered.get(c) ?? 0, c).toBeGreaterThanOrEqual(PER_ENDPOINT * ENDPOINTS.length);
    expect(answered.get('mixed_batch') ?? 0).toBeGreaterThanOrEqual(MIXED_PER_KIND * 3);
    // Signed endpoints: every input was signed over its exact bytes, so none stopped at the signature
    // check (the fragments reached the payload's validation) and some valid ones were taken.
    for (const e of ENDPOINTS.filter((x) => x.sign)) {
      const mine = outcomes.filter((o) => o.endpoint === e.name);
      expect(mine.filter((o) => o.status === 401).length, `${e.name}: refused at the signature`).toBe(0);
      expect(mine.some((o) => o.status === 200), `${e.name}: some delivery taken`).toBe(true);
    }

    const reasons = await sql<{ reason: string; n: string }>(`SELECT kind || '/' || reason AS reason, count() AS n FROM dead_letters FINAL GROUP BY reason ORDER BY n DESC`);
    const unavailable = new Map<string, number>();
    for (const o of outcomes) if (o.status === 503) unavailable.set(o.endpoint, (unavailable.get(o.endpoint) ?? 0) + 1);
    const config = configFigures;
    console.log(
      [
        `fuzz seed ${SEED} (override with FUZZ_SEED), run ${RUN}`,
        `inputs: ${outcomes.length} HTTP requests in ${httpSeconds.toFixed(1)} s + ${config.total} config inputs = ${outcomes.length + config.total}`,
        ...[...statuses].map(([c, m]) => `  ${c.padEnd(16)} ${String([...m.values()].reduce((a, b) => a + b, 0)).padStart(5)}  statuses ${[...m].sort((a, b) => a[0] - b[0]).map(([s, k]) => `${s}:${k}`).join(' ')}`),
        `  ${'config'.padEnd(16)} ${String(config.total).padStart(5)}  accepted ${config.accepted}, ConfigError ${config.refused}`,
        `503 + Retry-After by endpoint: ${[...unavailable].map(([e, k]) => `${e}=${k}`).join(', ') || 'none'}`,
        `dead letters by kind/reason: ${reasons.map((r) => `${r.reason}=${r.n}`).join(', ')}`,
        ...Object.entries(figures).map(([k, v]) => `${k}: ${v}`),
        `peak RSS ${peakMiB.toFixed(0)} MiB (ceiling ${RSS_CEILING_MIB} MiB; VmHWM of pid ${child.pid})`,
      ].join('\n'),
    );
  }, 900_000);

});
