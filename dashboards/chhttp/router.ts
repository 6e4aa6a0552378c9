import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { MlobsError } from '../../core/errors.js';
import { readBody, type BodyLimits } from '../../http/body.js';
import { refusal } from './settings.js';
import type { ReadOnlyEngine } from './engine.js';

/** Base path of the endpoint: point clients at http://HOST:PORT/clickhouse. */
export const CLICKHOUSE_PATH = '/clickhouse';

const CONTENT_TYPES: Record<string, string> = { JSON: 'application/json', JSONCompact: 'application/json', JSONEachRow: 'application/x-ndjson', JSONCompactEachRow: 'application/x-ndjson', JSONStrings: 'application/json', CSV: 'text/csv', CSVWithNames: 'text/csv', Native: 'application/octet-stream', RowBinary: 'application/octet-stream', Parquet: 'application/octet-stream', Arrow: 'application/octet-stream' };
// MEMORY_LIMIT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES: the same query may succeed later.
const ENGINE_BUSY = new Set([241, 202]);
const READER_STATUS: Record<string, number> = { body_too_large: 413, bad_encoding: 400, body_read_failed: 503 };
const FORMAT_CLAUSE = /\bFORMAT\s+([A-Za-z0-9_]+)\s*$/i;

/** A ClickHouse-style error: status, `X-ClickHouse-Exception-Code` and a `Code: N. DB::Exception:` body that clients parse. */
function sendError(res: Response, status: number, message: string, code = 164) {
  const m = /Code: (\d+)\./.exec(message);
  const body = m ? message : `Code: ${code}. DB::Exception: ${message}. (${code === 164 ? 'READONLY' : 'BAD_ARGUMENTS'})`;
  res.status(status).setHeader('X-ClickHouse-Exception-Code', m ? m[1]! : String(code));
  res.type('text/plain').send(body.trimEnd() + '\n');
}

/**
 * The subset of ClickHouse's HTTP interface that Grafana's ClickHouse datasource, `@clickhouse/client`
 * and curl use: the query in the URL or the body, `default_format` or a FORMAT clause, `param_*`
 * parameters, `database`, gzip both ways. Read-only: the engine session refuses writes, DDL and settings.
 */
export function clickhouseHttpRouter(engine: () => Promise<ReadOnlyEngine | null>, database: string, limits: BodyLimits): Router {
  const r = Router();
  r.get([`${CLICKHOUSE_PATH}/ping`, `${CLICKHOUSE_PATH}/replicas_status`], (_req, res) => {
    res.type('text/plain').send('Ok.\n');
  });
  const handle = async (req: Request, res: Response) => {
    try {
      const url = new URL(req.originalUrl, 'http://x');
      const q = Object.fromEntries(url.searchParams);
      for (const [k, v] of Object.entries(q)) {
        const why = refusal(k, v);
        if (why) return sendError(res, 400, why);
      }
      if (q.database !== undefined && q.database !== database) return sendError(res, 400, `Database ${q.database} is not served here; this endpoint serves ${database}`, 81);
      // The shared reader undoes gzip/deflate itself, under both the wire and the decompressed cap.
      const body = req.method === 'POST' ? await readBody(req, limits) : Buffer.alloc(0);
      // As ClickHouse does: a query in the URL is followed by the body (an INSERT's data).
      const text = [q.query ?? '', body.toString('utf8')].filter((s) => s.length).join('\n').trim().replace(/;\s*$/, '');
      if (!text) return res.type('text/plain').send('Ok.\n');
      const format = FORMAT_CLAUSE.exec(text)?.[1] ?? q.default_format ?? 'TabSeparated';
      const params = Object.fromEntries(Object.entries(q).filter(([k]) => k.startsWith('param_')).map(([k, v]) => [k.slice(6), v]));
      const e = await engine();
      if (!e) return sendError(res, 501, 'this stack stores in a ClickHouse server: point clients at that server instead', 48);
      const out = await e.run(text, format, params);
      const queryId = q.query_id ?? randomUUID();
      res.setHeader('X-ClickHouse-Query-Id', queryId);
      res.setHeader('X-ClickHouse-Format', format);
      res.setHeader('X-ClickHouse-Timezone', 'UTC');
      res.setHeader('X-ClickHouse-Summary', JSON.stringify({ read_rows: String(out.rowsRead), read_bytes: String(out.bytesRead), written_rows: '0', written_bytes: '0', total_rows_to_read: '0', result_rows: '0', result_bytes: String(out.bytes.length), elapsed_ns: String(Math.round(out.elapsedS * 1e9)) }));
      res.setHeader('Content-Type', `${CONTENT_TYPES[format] ?? 'text/tab-separated-values'}; charset=UTF-8`);
      const gzip = q.enable_http_compression === '1' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      if (gzip) res.setHeader('Content-Encoding', 'gzip');
      res.status(200).end(gzip ? gzipSync(out.bytes) : out.bytes);
    } catch (e) {
      // The body reader's refusals: the body is too large, not decodable, or the client went away.
      const readerStatus = e instanceof MlobsError ? READER_STATUS[e.reason] : undefined;
      if (readerStatus) return sendError(res, readerStatus, (e as Error).message, 36);
      const msg = (e as Error).message ?? String(e);
      const engineCode = Number(/Code: (\d+)\./.exec(msg)?.[1]);
      if (ENGINE_BUSY.has(engineCode)) res.setHeader('Retry-After', '5');
      // An exception the engine raised is about the statement (bad format, unparsable parameter,
      // parser depth …) unless it says the engine is busy; anything else is ours, hence 500.
      const refused = e instanceof MlobsError && e.reason === 'bad_query';
      const status = ENGINE_BUSY.has(engineCode) ? 503 : refused || engineCode || /readonly|Syntax error|Multi-statements/i.test(msg) ? 400 : 500;
      sendError(res, status, msg, 1002);
    }
  };
  r.get([CLICKHOUSE_PATH, `${CLICKHOUSE_PATH}/`], handle);
  r.post([CLICKHOUSE_PATH, `${CLICKHOUSE_PATH}/`], handle);
  return r;
}
