/**
 * A GPU unit's share of its physical GPU, in ClickHouse SQL over the `gpu_samples` columns
 * gpu_i_profile and model_name: 1 for a whole GPU, N/slices for a MIG profile "Ng.…" (7 compute
 * slices, 4 on A30), NULL when the profile is unreadable. Cost views and cost dashboards must
 * agree on it to the cent, so both read this one declaration (cost/mig.ts holds the same rule in TypeScript).
 */
export const GPU_SHARE_SQL = `if(gpu_i_profile = '', 1.,
  if(toUInt8OrZero(extract(gpu_i_profile, '([0-9]+)g[.]')) BETWEEN 1 AND if(match(model_name, '(?i)A30'), 4, 7),
     toUInt8OrZero(extract(gpu_i_profile, '([0-9]+)g[.]')) / if(match(model_name, '(?i)A30'), 4, 7), NULL))`;
