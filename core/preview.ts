/** A bounded rendering of any input for an error message; never throws (deep or cyclic input, BigInt). */
export function preview(v: unknown, max = 120): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = Array.isArray(v) ? '[…]' : typeof v === 'object' ? '{…}' : String(v);
  }
  return s === undefined ? String(v) : s.length > max ? s.slice(0, max) + '…' : s;
}
