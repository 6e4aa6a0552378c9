// MIG slices are priced by compute slices: an "Ng.XXgb" profile holds N of the GPU's compute slices
// (7 on A100/H100/H200/B200, 4 on A30). Compute, not memory, is what a slice denies other tenants.

const A30 = /A30/i;
const PROFILE = /([0-9]+)g[.]/;

/** Compute slices of a MIG-capable GPU model. */
export function migSlices(modelName: string): number {
  return A30.test(modelName) ? 4 : 7;
}

/** A GPU unit's share of its physical GPU: 1 for a whole GPU, N/slices for a MIG profile "Ng.…", null when the profile is unreadable. */
export function gpuShare(profile: string, modelName: string): number | null {
  if (profile === '') return 1;
  const n = Number(PROFILE.exec(profile)?.[1] ?? 0);
  const slices = migSlices(modelName);
  return n >= 1 && n <= slices ? n / slices : null;
}

/** The same rule in ClickHouse SQL, declared where dashboards read it too. */
export { GPU_SHARE_SQL } from '../core/contracts/gpu-share.js';
