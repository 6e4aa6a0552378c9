import { describe, expect, it } from 'vitest';
import { compactEachRow } from './insert-body.js';

describe('compactEachRow', () => {
  it('writes each row as a JSON array in the first row’s column order, one line per row', () => {
    const { columns, body } = compactEachRow([
      { model: 'm', ts: '1.000', num_features: { a: 1 } },
      { ts: '2.000', model: 'n', num_features: {} },
    ]);
    expect(columns).toEqual(['model', 'ts', 'num_features']);
    expect(body).toBe('["m","1.000",{"a":1}]\n["n","2.000",{}]\n');
  });

  it('writes a column a row lacks, or holds as undefined, as null', () => {
    const { body } = compactEachRow([{ a: 1, b: 'x' }, { a: undefined }, { b: null }]);
    expect(body).toBe('[1,"x"]\n[null,null]\n[null,null]\n');
  });

  it('gives no columns and an empty body for no rows', () => {
    expect(compactEachRow([])).toEqual({ columns: [], body: '' });
  });
});
