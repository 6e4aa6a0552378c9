import { describe, expect, it } from 'vitest';
import { previousHolder, type AliasEvent } from './alias.js';

const H = 3_600_000;
const set = (version: string, hour: number): AliasEvent => ({ event: 'model_version_alias.created', version, ts: hour * H });
const del = (hour: number): AliasEvent => ({ event: 'model_version_alias.deleted', version: '', ts: hour * H });
const at = (events: AliasEvent[], hour: number, lastMs?: number) => previousHolder(events, hour * H, 'champion', 'fraud', lastMs);

describe('the previous holder of an alias', () => {
  it('is the version the alias pointed at before it moved, over the time it held it', () => {
    expect(at([set('v3', 1), set('v4', 5)], 10)).toEqual({ ok: true, version: 'v3', fromMs: 1 * H, toMs: 5 * H, holder: 'v4' });
  });

  it('takes the history as of the window end: before the move there is no previous holder', () => {
    const r = at([set('v3', 1), set('v4', 5)], 4);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.message).toMatch(/alias champion of model fraud has only ever been held by version v3 \(since .*\): there is no previous version/);
  });

  it('says the alias was never set when no event came', () => {
    const r = at([], 10);
    expect(!r.ok && r.message).toMatch(/was never set before .*no MLflow alias event received/);
  });

  it('ignores setting the alias again on the version that holds it', () => {
    expect(at([set('v3', 1), set('v3', 3), set('v4', 5)], 10)).toMatchObject({ ok: true, version: 'v3', fromMs: 1 * H, toMs: 5 * H });
  });

  it('after a roll-back compares with the version rolled back from', () => {
    expect(at([set('v3', 1), set('v4', 5), set('v3', 7)], 10)).toEqual({ ok: true, version: 'v4', fromMs: 5 * H, toMs: 7 * H, holder: 'v3' });
  });

  it('once the alias is deleted, is the last holder up to the deletion, with no holder', () => {
    expect(at([set('v3', 1), set('v4', 5), del(8)], 10)).toEqual({ ok: true, version: 'v4', fromMs: 5 * H, toMs: 8 * H, holder: null });
  });

  it('skips the holder\'s own earlier spells: v3, deleted, v3 again has no other version', () => {
    const r = at([set('v3', 1), del(2), set('v3', 3)], 10);
    expect(r).toMatchObject({ ok: false });
    expect(at([set('v2', 0), set('v3', 1), del(2), set('v3', 3)], 10)).toMatchObject({ ok: true, version: 'v2', fromMs: 0, toMs: 1 * H, holder: 'v3' });
  });

  it('keeps only the last stretch of a long window when asked', () => {
    expect(at([set('v3', 1), set('v4', 50)], 60, 24 * H)).toMatchObject({ ok: true, version: 'v3', fromMs: 26 * H, toMs: 50 * H });
  });
});
