// Number tokens of the text format. Number() alone is far too lenient ('' → 0, '0x10' → 16,
// 'Infinity', ' 1 '), so the syntax is checked by a small scanner first and Number() only converts.

const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Index just past a run of decimal digits starting at `i` (== i when there are none). */
function skipDigits(s: string, i: number): number {
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Go's ParseFloat spells the specials case-insensitively and the reference parser relies on it,
 * so 'nan', '+inf', 'Infinity' are accepted; NaN takes no sign there, so neither does it here.
 */
function parseSpecial(token: string): number | undefined {
  const lower = token.toLowerCase();
  if (lower === 'nan') return NaN;
  const body = lower.charCodeAt(0) === PLUS || lower.charCodeAt(0) === MINUS ? lower.slice(1) : lower;
  if (body !== 'inf' && body !== 'infinity') return undefined;
  return lower.charCodeAt(0) === MINUS ? -Infinity : Infinity;
}

/** True when `token` is a plain decimal float: [+-] digits [. digits] [e [+-] digits], at least one mantissa digit. */
export function isDecimalFloat(token: string): boolean {
  let i = 0;
  const c0 = token.charCodeAt(0);
  if (c0 === PLUS || c0 === MINUS) i++;
  const intEnd = skipDigits(token, i);
  let mantissaDigits = intEnd - i;
  i = intEnd;
  if (token.charCodeAt(i) === DOT) {
    const fracEnd = skipDigits(token, i + 1);
    mantissaDigits += fracEnd - (i + 1);
    i = fracEnd;
  }
  if (mantissaDigits === 0) return false;
  if (i < token.length && (token.charCodeAt(i) | 0x20) === 101 /* e or E */) {
    i++;
    const s = token.charCodeAt(i);
    if (s === PLUS || s === MINUS) i++;
    const expEnd = skipDigits(token, i);
    if (expEnd === i) return false;
    i = expEnd;
  }
  return i === token.length;
}

/**
 * A sample value or an `le`/`quantile` bound, or undefined when the token is not one.
 * Finite literals that overflow to ±Inf are rejected, as Go's ParseFloat reports them as range errors.
 * Hex floats (which Go also accepts) are not supported: no exporter emits them.
 */
export function parseFloatToken(token: string): number | undefined {
  if (token.length === 0) return undefined;
  if (isDecimalFloat(token)) {
    const value = Number(token);
    return Number.isFinite(value) ? value : undefined;
  }
  return parseSpecial(token);
}

/**
 * An optional sample timestamp in epoch milliseconds, or undefined when the token is not an integer.
 * Limited to the safe-integer range (year ±285,000) rather than int64, so the number stays exact.
 */
export function parseTimestampToken(token: string): number | undefined {
  let i = 0;
  const c0 = token.charCodeAt(0);
  if (c0 === PLUS || c0 === MINUS) i++;
  if (i === token.length || skipDigits(token, i) !== token.length) return undefined;
  const ms = Number(token);
  // `+ 0` folds -0 into 0 so "-0" and "0" compare equal downstream.
  return Number.isSafeInteger(ms) ? ms + 0 : undefined;
}
