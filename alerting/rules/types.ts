import type { Registry } from 'prom-client';
import type { Store } from '../../storage/store.js';
import type { RuleConfig } from '../config.js';
import type { Labels } from '../matchers.js';
import type { SignalSource } from '../signals.js';

/** What a rule's check reads. */
export interface RuleContext {
  store: Store;
  /** store.query, memoised for one evaluation cycle: rules of one kind share their scan. */
  query: <T = Record<string, any>>(sql: string, params?: Record<string, unknown>) => Promise<T[]>;
  registry: Registry;
  signals: SignalSource;
  pipelines: readonly { name: string; maxGapMs?: number }[];
  now: number;
}

/** One label set for which a rule's condition holds now, with the value and the reason in words. */
export interface Hit {
  labels: Labels;
  value: number;
  /** Why it holds, e.g. "GPU 3 on node-1 reported XID 79 at 10:02:11Z". */
  why: string;
  /** Default summary when the rule gives none. */
  summary: string;
}

/** Checks one rule kind against the stored data; throws on storage errors (the engine counts them and keeps the previous state). */
export type RuleCheck<K extends RuleConfig['kind']> = (rule: Extract<RuleConfig, { kind: K }>, ctx: RuleContext) => Promise<Hit[]>;

export const isoOf = (ms: number) => new Date(ms).toISOString();
/** A query function that runs each distinct (sql, params) once; make one per evaluation cycle. */
export function memoQuery(store: Store): RuleContext['query'] {
  const cache = new Map<string, Promise<unknown[]>>();
  return <T>(sql: string, params: Record<string, unknown> = {}) => {
    const key = sql + '\u0000' + JSON.stringify(params);
    let p = cache.get(key);
    if (!p) cache.set(key, (p = store.query(sql, params)));
    return p as Promise<T[]>;
  };
}

export const fromTo = (ctx: RuleContext, lookbackMs: number) => ({ from: ctx.now - lookbackMs, now: ctx.now });
