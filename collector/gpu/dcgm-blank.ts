// DCGM "blank" sentinels: DCGM stores a field it could not read as a huge magic number instead of
// omitting it. Values from dcgm_structs.h / dcgmvalue.py (NVIDIA DCGM):
//   DCGM_INT32_BLANK = 0x7ffffff0,          NOT_FOUND/NOT_SUPPORTED/NOT_PERMISSIONED = BLANK+1/+2/+3
//   DCGM_INT64_BLANK = 0x7ffffffffffffff0,  same +1/+2/+3 variants
//   DCGM_FP64_BLANK  = 140737488355328.0 (2^47), same +1.0/+2.0/+3.0 variants
// DCGM's own DCGM_*_IS_BLANK macros test `value >= BLANK`, and dcgm-exporter skips the exact values
// above (int32 ones included, because integer fields reach it widened to int64). A sentinel that
// still reaches an exposition (older/forked exporters, other DCGM bridges) must not be stored as a
// reading, or a 9.2e18 °C "temperature" wrecks every aggregate.
//
// The rule here, and why it is narrower than DCGM's `>=` macros:
//  - exact int32 sentinels only (2147483632..2147483635): the text does not say whether a field is
//    int32, and real int64 readings (energy in mJ, byte counters) pass 2^31 routinely;
//  - int64 sentinels by range 0x7ffffffffffffff0..0x7fffffffffffffff, as DCGM does: no real
//    reading lives within 16 of INT64_MAX;
//  - exact fp64 sentinels only (2^47..2^47+3): an integer counter can legitimately exceed 2^47;
//  - a value that is exactly 2^63 as a double: an int64 sentinel that went through a float64
//    formatter (e.g. "9.223372036854776e+18") and lost its low bits; no real reading rounds there.
// Comparisons use the raw text in exact decimal arithmetic, because Number() cannot tell
// 9223372036854775792 (not a sentinel) from 9223372036854775794 (one).

const INT32_BLANK = 0x7ffffff0n;
const INT64_BLANK = 0x7ffffffffffffff0n;
const INT64_MAX = 0x7fffffffffffffffn;
const FP64_BLANK = 140737488355328n; // 2^47
/** Sentinel kinds per type: BLANK, NOT_FOUND, NOT_SUPPORTED, NOT_PERMISSIONED. */
const SENTINEL_VARIANTS = 3n;
const TWO_POW_63 = 2 ** 63;
/** Below this no rule can match, so ordinary readings skip the BigInt work. */
const FAST_PATH_LIMIT = 2147483632;
/** 10^40 is far above every sentinel; larger exponents would only build needless huge BigInts. */
const MAX_EXPONENT = 40;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The exact integer a decimal literal denotes ("2.147483632e+09" → 2147483632n), or null if it has a fraction or is absurdly large. */
export function exactInteger(raw: string): bigint | null {
  const m = DECIMAL.exec(raw);
  if (m === null) return null;
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  let digits = (intPart + fracPart).replace(/^0+/, '');
  let exponent = Number(expPart ?? '0') - fracPart.length;
  if (digits === '') return intPart === '' && fracPart === '' ? null : 0n;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  if (exponent < 0 || exponent > MAX_EXPONENT) return null;
  const magnitude = BigInt(digits) * 10n ** BigInt(exponent);
  return sign === '-' ? -magnitude : magnitude;
}

function within(v: bigint, base: bigint, last: bigint): boolean {
  return v >= base && v <= last;
}

/** True when a sample value (its raw text and parsed number) is a DCGM blank sentinel; see the rule above. */
export function isDcgmBlank(raw: string, value: number): boolean {
  // NaN/±Inf are genuine exposition values, and negatives are never sentinels.
  if (!Number.isFinite(value) || value < FAST_PATH_LIMIT) return false;
  const exact = exactInteger(raw);
  // Only a literal that is not an exact int64 can be a rounded sentinel: the exact ones are judged exactly.
  if (exact === null || exact > INT64_MAX) return value === TWO_POW_63;
  return (
    within(exact, INT32_BLANK, INT32_BLANK + SENTINEL_VARIANTS) ||
    within(exact, INT64_BLANK, INT64_MAX) ||
    within(exact, FP64_BLANK, FP64_BLANK + SENTINEL_VARIANTS)
  );
}
