import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDashboards } from './build.js';
import { writeGrafanaDir } from './write.js';
import { pushDashboards } from './push.js';
import { mlobsDashboard, clickhouseVar, tsPanel } from './grafana/kit.js';
import { expandQuery } from './testing/macros.js';
import { UIDS } from './defs/uids.js';

const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

describe('mlobs dashboards build', () => {
  it('writes exactly the committed deploy/grafana files (the golden files): rebuild with `npm run mlobs -- dashboards build` after changing a dashboard', () => {
    const out = mkdtempSync(join(tmpdir(), 'mlobs-grafana-'));
    writeGrafanaDir(out);
    const built = files(out).map((f) => relative(out, f)).sort();
    const golden = files('deploy/grafana').map((f) => relative('deploy/grafana', f)).sort();
    expect(built).toEqual(golden);
    for (const f of built) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join('deploy/grafana', f), 'utf8'));
  });

  it('gives every dashboard a stable uid, the mlobs tag, a datasource variable and links to the others', () => {
    const ds = buildDashboards();
    expect(ds.map((d) => d.uid)).toEqual(Object.values(UIDS));
    for (const d of ds) {
      expect(d.json.tags).toContain('mlobs');
      expect(d.json.templating?.list?.some((v) => v.type === 'datasource')).toBe(true);
      expect(d.json.links?.[0]).toMatchObject({ type: 'dashboards', tags: ['mlobs'], keepTime: true });
    }
  });

  it('refuses a panel whose datasource uid is neither provisioned nor a datasource variable, naming dashboard and panel', () => {
    const bad = () => mlobsDashboard('bad', 'Bad', '').withVariable(clickhouseVar()).withPanel(tsPanel('Broken', 'SELECT 1', 'none').datasource({ type: 'grafana-clickhouse-datasource', uid: 'nope' }));
    expect(() => buildDashboards([bad])).toThrow(/dashboard "bad", panel "Broken": unknown datasource uid "nope"; use one of the provisioned uids \(mlobs-clickhouse, mlobs-prometheus\)/);
  });

  it('refuses a query that uses an undeclared variable or an unknown macro', () => {
    const withSql = (sql: string) => () => mlobsDashboard('bad', 'Bad', '').withVariable(clickhouseVar()).withPanel(tsPanel('Broken', sql, 'none'));
    expect(() => buildDashboards([withSql('SELECT 1 WHERE model = ${modle:singlequote}')])).toThrow(/panel "Broken": unknown variable \$modle: not a variable of this dashboard \(declared: datasource\)/);
    expect(() => buildDashboards([withSql('SELECT 1 WHERE $__timeFiltr(ts)')])).toThrow(/unknown variable \$__timeFiltr: neither a Grafana global variable nor a ClickHouse plugin macro/);
  });
});

describe('macro expansion, as the ClickHouse plugin documents it', () => {
  const ctx = { fromMs: 1415792726123, toMs: 1447328726456, intervalS: 20, vars: { node: { values: ['a', "b'c"], all: false }, ns: { values: ['x'], all: true } } };
  it('expands time filters, bounds, intervals and template variables', () => {
    expect(expandQuery('$__timeFilter(ts)', ctx)).toBe('ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726)');
    expect(expandQuery('$__timeFilter_ms(ts)', ctx)).toBe('ts >= fromUnixTimestamp64Milli(1415792726123) AND ts <= fromUnixTimestamp64Milli(1447328726456)');
    expect(expandQuery('$__fromTime $__toTime $__interval_s', ctx)).toBe('toDateTime(1415792726) toDateTime(1447328726) 20');
    expect(expandQuery('$__timeInterval(ts)', ctx)).toBe('toStartOfInterval(toDateTime(ts), INTERVAL 20 second)');
    expect(expandQuery('h IN (${node:singlequote})', ctx)).toBe("h IN ('a','b\\'c')");
  });
  it('drops a $__conditionalAll condition when "All" is selected and keeps it otherwise', () => {
    expect(expandQuery('$__conditionalAll(n IN (${ns:singlequote}), $ns)', ctx)).toBe('1=1');
    expect(expandQuery('$__conditionalAll(h IN (${node:singlequote}), $node)', ctx)).toBe("h IN ('a','b\\'c')");
  });
});

describe('mlobs dashboards push', () => {
  it('creates the folder and posts every dashboard to /api/dashboards/db with the bearer token, overwriting by uid', async () => {
    const seen: { method: string; url: string; auth?: string; body: any }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: JSON.parse(body) });
        if (req.url === '/api/folders') return void res.writeHead(412).end('{"message":"exists"}');
        const uid = JSON.parse(body).dashboard.uid;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', uid, url: `/d/${uid}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const pushed = await pushDashboards({ grafanaUrl: url, token: 'glsa_test' }, buildDashboards());
      expect(pushed.map((p) => p.url)).toEqual(Object.values(UIDS).map((u) => `/d/${u}`));
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/folders', body: { uid: 'mlobs' } });
      for (const s of seen) expect(s.auth).toBe('Bearer glsa_test');
      expect(seen.slice(1).every((s) => s.url === '/api/dashboards/db' && s.body.overwrite === true && s.body.folderUid === 'mlobs' && s.body.dashboard.id === null)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('reports a refused token clearly', async () => {
    const server = createServer((_req, res) => res.writeHead(401).end('{"message":"invalid API key"}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await expect(pushDashboards({ grafanaUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'x' }, buildDashboards())).rejects.toThrow(/Grafana refused to create folder: 401/);
    } finally {
      server.close();
    }
  });
});
