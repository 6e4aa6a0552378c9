/** Stable dashboard uids: links, provisioning and pushes rely on them never changing. */
export const UIDS = {
  gpuFleet: 'mlobs-gpu-fleet',
  gpuCost: 'mlobs-gpu-cost',
  modelDrift: 'mlobs-model-drift',
  sloAlerts: 'mlobs-slo-alerts',
  pipelineHealth: 'mlobs-pipeline-health',
  llmServing: 'mlobs-llm-serving',
  stack: 'mlobs-stack',
} as const;
