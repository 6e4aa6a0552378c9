import type { BaseConfig } from '../../core/config.js';
import type { EventKind } from '../../core/schemas/kinds.js';

/** What a converter needs besides the request: the clock and the `otlp:` config section. */
export interface ConvertContext {
  nowMs: number;
  otlp: BaseConfig['otlp'];
}

/**
 * What one OTLP request becomes: events to validate and publish (each by its kind's schema, at the
 * receiver), and the items the converter itself refused, counted for partial_success with a reason each.
 */
export interface Converted {
  events: { kind: EventKind; key?: string; event: unknown }[];
  rejected: number;
  errors: string[];
  /**
   * Items refused before any schema could judge them (a log record named mlobs.prediction whose body
   * is not an event): counted as rejected and kept as dead letters with their reason, like events
   * that fail their schema. Not counted in `rejected`.
   */
  invalid?: { kind: EventKind; reason: string; error: string; payload: string }[];
}

/** Turns one decoded Export*ServiceRequest (see decode.ts) into events; pure, never throws. */
export type Converter = (request: Record<string, any>, ctx: ConvertContext) => Converted;
