/**
 * Which reference a report compares against, in this order: the request's own (reference_from /
 * reference_to, or reference=upload|rolling:<duration>), the declaration made through the API, the
 * model's config, and finally the newest complete upload.
 */
import { MlobsError } from '../../core/errors.js';
import type { Store } from '../../storage/store.js';
import type { DriftModelConfig, ReferenceSpec } from '../config.js';
import type { SideSpec } from '../engine/source.js';
import type { ReferenceDescription } from '../report/types.js';
import { aliasHistory, previousHolder } from './alias.js';
import { activeUpload, declaredReference } from './store.js';

export interface ResolvedReference {
  side: SideSpec;
  description: Omit<ReferenceDescription, 'rows'>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Resolves the reference of a report over the current window [fromMs, toMs). */
export async function resolveReference(
  store: Store,
  model: string,
  window: { fromMs: number; toMs: number },
  requested: ReferenceSpec | undefined,
  config: DriftModelConfig | undefined,
): Promise<ResolvedReference> {
  const spec = requested ?? (await declaredReference(store, model)) ?? config?.reference ?? ((await activeUpload(store, model)) ? ({ type: 'upload' } as const) : null);
  if (!spec) {
    throw new MlobsError(
      `no reference for model ${model}: pass reference_from and reference_to, upload one (POST /v1/models/${model}/reference), declare one (PUT /v1/models/${model}/reference) or configure drift.models[].reference`,
      { reason: 'no_reference', retryable: false },
    );
  }
  switch (spec.type) {
    case 'window':
      return { side: { kind: 'window', fromMs: spec.from, toMs: spec.to }, description: { type: 'window', from: iso(spec.from), to: iso(spec.to) } };
    case 'rolling': {
      const fromMs = window.fromMs - spec.offset;
      const toMs = window.toMs - spec.offset;
      return { side: { kind: 'window', fromMs, toMs }, description: { type: 'rolling', from: iso(fromMs), to: iso(toMs), offset_ms: spec.offset } };
    }
    case 'version': {
      const fromMs = spec.from ?? window.fromMs;
      const toMs = spec.to ?? window.toMs;
      return { side: { kind: 'window', fromMs, toMs, modelVersion: spec.version }, description: { type: 'version', version: spec.version, from: iso(fromMs), to: iso(toMs) } };
    }
    case 'alias': {
      // As of the window's end, so that re-evaluating an old window compares with what it was compared with then.
      const w = previousHolder(await aliasHistory(store, model, spec.alias), window.toMs, spec.alias, model, spec.last);
      if (!w.ok) throw new MlobsError(`reference alias:${spec.alias}: ${w.message}`, { reason: 'no_reference', retryable: false });
      return {
        side: { kind: 'window', fromMs: w.fromMs, toMs: w.toMs, modelVersion: w.version },
        description: { type: 'alias', alias: spec.alias, version: w.version, holder: w.holder, from: iso(w.fromMs), to: iso(w.toMs) },
      };
    }
    case 'upload': {
      const u = await activeUpload(store, model);
      if (!u) throw new MlobsError(`no complete reference upload for model ${model}`, { reason: 'no_reference', retryable: false });
      return { side: { kind: 'upload', version: u.version, rows: u.rows }, description: { type: 'upload', version: u.version } };
    }
  }
}
