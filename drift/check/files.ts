/**
 * Plain files as the two sides of a comparison: ClickHouse reads Parquet, CSV and NDJSON itself
 * (the `file` table function), and each row becomes the columns every drift pass reads
 * (engine/source.ts: s, nf, cf, nl, pn, pc, sc, ln, lc, ch), so the report runs the very SQL and
 * statistics of the stack. Each column of the file is a feature, except those named as the
 * prediction, score or label: numbers are numerical, strings and booleans categorical, a null a
 * missing value; columns of other types (arrays, maps, nested) are left out and named.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { MlobsError } from '../../core/errors.js';
import type { Store } from '../../storage/store.js';
import type { Sql } from '../engine/source.js';

export type FileFormat = 'Parquet' | 'CSVWithNames' | 'TSVWithNames' | 'JSONEachRow';

const FORMATS: Record<string, FileFormat> = {
  '.parquet': 'Parquet',
  '.pq': 'Parquet',
  '.csv': 'CSVWithNames',
  '.tsv': 'TSVWithNames',
  '.ndjson': 'JSONEachRow',
  '.jsonl': 'JSONEachRow',
  '.json': 'JSONEachRow',
};

export interface ColumnRoles {
  prediction?: string;
  score?: string;
  label?: string;
  /** Columns that are neither features nor outputs (ids, timestamps). */
  ignore: string[];
}

export interface FileColumn {
  name: string;
  type: string;
  kind: 'numerical' | 'categorical' | 'unsupported';
}

export interface FileSide {
  path: string;
  format: FileFormat;
  bytes: number;
  columns: FileColumn[];
}

const bad = (message: string) => new MlobsError(message, { reason: 'bad_input', retryable: false });

/** A string literal for SQL (the file name; everything else is bound as a parameter). */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** A column identifier. */
const ident = (s: string) => `\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;

export function formatOf(path: string): FileFormat {
  const f = FORMATS[extname(path).toLowerCase()];
  if (!f) throw bad(`${path}: unknown file type ${JSON.stringify(extname(path))}; use .parquet, .csv, .tsv, .ndjson, .jsonl or .json (one JSON object per line)`);
  return f;
}

export function kindOf(type: string): FileColumn['kind'] {
  const t = type.replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2').replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2');
  if (/^(U?Int\d+|Float\d+|Decimal.*)$/.test(t)) return 'numerical';
  if (/^(String|FixedString.*|Bool|Enum.*|Date.*|UUID|IPv[46])$/.test(t)) return 'categorical';
  return 'unsupported';
}

/** Opens a file's schema (ClickHouse infers CSV and NDJSON types from the data). */
export async function describeFile(store: Store, path: string): Promise<FileSide> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw bad(`${path}: no such file`);
  const format = formatOf(abs);
  let rows: { name: string; type: string }[];
  try {
    rows = await store.query<{ name: string; type: string }>(`DESCRIBE TABLE file(${literal(abs)}, ${literal(format)})`);
  } catch (e) {
    throw bad(`${path}: cannot be read as ${format}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (rows.length === 0) throw bad(`${path}: no columns`);
  return { path: abs, format, bytes: statSync(abs).size, columns: rows.map((r) => ({ name: r.name, type: r.type, kind: kindOf(r.type) })) };
}

/** The rows of one file as the columns of engine/source.ts. Parameters are prefixed `f{side}_`. */
export function fileSideSql(side: 0 | 1, file: FileSide, roles: ColumnRoles): Sql {
  const p = `f${side}_`;
  const params: Record<string, unknown> = {};
  const special = new Set([roles.prediction, roles.score, roles.label, ...roles.ignore].filter((x): x is string => !!x));
  const features = file.columns.filter((c) => !special.has(c.name) && c.kind !== 'unsupported');
  const key = (c: FileColumn) => {
    const name = `${p}k${Object.keys(params).length}`;
    params[name] = c.name;
    return `{${name}:String}`;
  };
  const num = features.filter((c) => c.kind === 'numerical').map((c) => `(${key(c)}, CAST(${ident(c.name)} AS Nullable(Float64)))`);
  const cat = features.filter((c) => c.kind === 'categorical').map((c) => `(${key(c)}, CAST(toString(${ident(c.name)}) AS Nullable(String)))`);
  const nulls = features.map((c) => `if(${ident(c.name)} IS NULL, ${key(c)}, '')`);
  const tuples = (xs: string[], t: string) => (xs.length ? `arrayFilter(x -> x.2 IS NOT NULL, [${xs.join(', ')}])` : `CAST([], 'Array(Tuple(String, Nullable(${t})))')`);
  const map = (xs: string[], t: string) => `CAST((arrayMap(x -> x.1, ${tuples(xs, t)}), arrayMap(x -> assumeNotNull(x.2), ${tuples(xs, t)})), 'Map(String, ${t})')`;
  const col = (name: string | undefined, want: 'numerical' | 'categorical') => {
    const c = name ? file.columns.find((x) => x.name === name) : undefined;
    if (!c || c.kind !== want) return want === 'numerical' ? 'CAST(NULL AS Nullable(Float64))' : 'CAST(NULL AS Nullable(String))';
    return want === 'numerical' ? `CAST(${ident(c.name)} AS Nullable(Float64))` : `CAST(toString(${ident(c.name)}) AS Nullable(String))`;
  };
  const sql = `SELECT ${side} AS s, ${map(num, 'Float64')} AS nf, ${map(cat, 'String')} AS cf,
    ${nulls.length ? `arrayFilter(x -> x != '', [${nulls.join(', ')}])` : 'CAST([], \'Array(String)\')'} AS nl,
    ${col(roles.prediction, 'numerical')} AS pn, ${col(roles.prediction, 'categorical')} AS pc, ${col(roles.score, 'numerical')} AS sc,
    ${col(roles.label, 'numerical')} AS ln, ${col(roles.label, 'categorical')} AS lc, toUInt32(0) AS ch
  FROM file(${literal(file.path)}, ${literal(file.format)})`;
  return { sql, params };
}

