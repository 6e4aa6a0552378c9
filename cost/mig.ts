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

/** The same rule in ClickHouse SQL over columns gpu_i_profile and model_name (NULL when unreadable). */
export const GPU_SHARE_SQL = `if(gpu_i_profile = '', 1.,
  if(toUInt8OrZero(extract(gpu_i_profile, '([0-9]+)g[.]')) BETWEEN 1 AND if(match(model_name, '(?i)A30'), 4, 7),
     toUInt8OrZero(extract(gpu_i_profile, '([0-9]+)g[.]')) / if(match(model_name, '(?i)A30'), 4, 7), NULL))`;
