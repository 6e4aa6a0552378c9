/**
 * The OpenLineage Java client (io.openlineage:openlineage-java 1.39.0, its HTTP transport) emits a
 * DAG run to a running `mlobs up`, as Airflow's or Spark's integration would: the run and its
 * tasks land in pipeline_events, and PipelineFailed fires for the failed task with its error.
 * The client is fetched and compiled by test/openlineage/client.sh (as the Kafka broker is).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/eventually.js';
import { REPO, freePort, spawnMlobs, waitReady } from './helpers/process.js';

const run = promisify(execFile);
const TOKEN = 'openlineage-e2e-token';
const ERROR = 'ERROR: permission denied for table warehouse.orders';
const dir = mkdtempSync(join(tmpdir(), 'mlobs-openlineage-'));
let mlobs: ReturnType<typeof spawnMlobs>;
let url = '';

const auth = { authorization: `Bearer ${TOKEN}` };
async function sql(query: string): Promise<Record<string, any>[]> {
  const res = await fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data: Record<string, any>[]; error?: string };
  if (!res.ok) throw new Error(`SQL failed: ${body.error}`);
  return body.data;
}

beforeAll(async () => {
  // Cheap once cached; the first run fetches the client from Maven Central.
  await run('bash', [join(REPO, 'test/openlineage/client.sh'), 'build'], { timeout: 300_000 });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'mlobs.yaml');
  writeFileSync(config, [
    'alerting:',
    '  evaluationIntervalMs: 500ms',
    '  rules:',
    '    - { name: PipelineFailed, kind: pipeline_failed, severity: critical }',
  ].join('\n'));
  mlobs = spawnMlobs(['up', '--config', config, '--port', String(port), '--data-dir', join(dir, 'data')], { MLOBS_AUTH_TOKEN: TOKEN, MLOBS_LOG_LEVEL: 'warn' });
  await waitReady(`${url}/healthz`, mlobs);
}, 360_000);

afterAll(async () => {
  if (mlobs && mlobs.exitCode === null) {
    mlobs.kill('SIGTERM');
    await new Promise((r) => mlobs.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the OpenLineage Java client against mlobs up', () => {
  let dagRun = '';

  it('emits a DAG run through the HTTP transport with every event answered 2xx', async () => {
    // The transport throws on any answer but 2xx, so a refused event fails the program.
    const { stdout } = await run('bash', [join(REPO, 'test/openlineage/client.sh'), 'run', url, TOKEN, 'airflow', 'nightly_etl', ERROR], { timeout: 120_000 });
    dagRun = /dag_run=([0-9a-f-]{36})/.exec(stdout)?.[1] ?? '';
    expect(dagRun).not.toBe('');
  }, 150_000);

  it('stores the run and its tasks as pipeline events of airflow/nightly_etl', async () => {
    const rows = await eventually(
      () => sql(`SELECT task, run_id, status, rows_in, rows_out, error, nominal_start IS NOT NULL AS has_nominal FROM pipeline_events FINAL WHERE pipeline = 'airflow/nightly_etl' ORDER BY ts`),
      (r) => r.length === 7,
      { timeoutMs: 60_000, what: 'the seven events of the DAG run stored' },
    );
    expect(rows.map((r) => r.run_id)).toEqual(Array(7).fill(dagRun));
    expect(rows.map((r) => [r.task, r.status])).toEqual([
      ['', 'started'],
      ['nightly_etl.extract', 'started'],
      ['nightly_etl.extract', 'heartbeat'],
      ['nightly_etl.extract', 'succeeded'],
      ['nightly_etl.load', 'started'],
      ['nightly_etl.load', 'failed'],
      ['', 'failed'],
    ]);
    expect(rows[0].has_nominal).toBe(1);
    expect(rows[3]).toMatchObject({ rows_in: 1200, rows_out: 1190 });
    expect(rows[5].error).toBe(ERROR);
  }, 90_000);

  it('fires PipelineFailed for it, naming the failed task and its error', async () => {
    const alerts = await eventually(
      async () => ((await (await fetch(`${url}/v1/alerts?state=firing`, { headers: auth })).json()) as { alerts: { state: string; labels: Record<string, string> }[] }).alerts,
      (a) => a.some((x) => x.state === 'firing' && x.labels.alertname === 'PipelineFailed' && x.labels.pipeline === 'airflow/nightly_etl'),
      { timeoutMs: 60_000, what: 'a firing PipelineFailed for airflow/nightly_etl' },
    );
    const text = JSON.stringify(alerts.find((x) => x.labels.alertname === 'PipelineFailed'));
    expect(text).toContain(ERROR.replace(/"/g, '\\"'));
    expect(text).toContain(`run ${dagRun}`);
  }, 90_000);
});
