// Float sums of exact costs carry noise in the last bits (0.125 may arrive as 0.12499999999); snapping to
// a millionth of the unit first keeps that noise from deciding which way a value rounds.
const SNAP = 1e6;

function units(value: number, decimals: number): number {
  const scaled = value * 10 ** decimals;
  return Math.round(scaled * SNAP) / SNAP;
}

/** Rounds half away from zero to `decimals`, after snapping float noise. */
export function round(value: number, decimals: number): number {
  const u = units(value, decimals);
  return (Math.sign(u) * Math.round(Math.abs(u))) / 10 ** decimals;
}

/**
 * Rounds parts so that they add up exactly to their rounded total (largest-remainder method): the total
 * is the exact sum rounded half away from zero, and each part is its exact value rounded down or up,
 * the ups going to the largest remainders (ties: the larger part, then the earlier one). Parts must be ≥ 0.
 */
export function apportion(parts: readonly number[], decimals: number): { parts: number[]; total: number } {
  const scale = 10 ** decimals;
  const exact = parts.map((p) => units(p, decimals));
  const totalUnits = Math.round(exact.reduce((a, b) => a + b, 0));
  const floors = exact.map((x) => Math.floor(x));
  let missing = totalUnits - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => i).sort((a, b) => exact[b]! - floors[b]! - (exact[a]! - floors[a]!) || exact[b]! - exact[a]! || a - b);
  const rounded = [...floors];
  for (const i of order) {
    if (missing <= 0) break;
    rounded[i]! += 1;
    missing -= 1;
  }
  return { parts: rounded.map((u) => u / scale), total: totalUnits / scale };
}
