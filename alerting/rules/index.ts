import type { RuleConfig } from '../config.js';
import { gpuIdle, gpuMemory, gpuMetric, gpuTemperature, gpuXid } from './gpu.js';
import { drift, targetDown } from './other.js';
import { pipelineFailed, pipelineStale } from './pipeline.js';
import type { Hit, RuleContext } from './types.js';

/** Evaluates one configured rule of any kind. */
export function checkRule(rule: RuleConfig, ctx: RuleContext): Promise<Hit[]> {
  switch (rule.kind) {
    case 'drift':
      return drift(rule, ctx);
    case 'pipeline_failed':
      return pipelineFailed(rule, ctx);
    case 'pipeline_stale':
      return pipelineStale(rule, ctx);
    case 'gpu_xid':
      return gpuXid(rule, ctx);
    case 'gpu_temperature':
      return gpuTemperature(rule, ctx);
    case 'gpu_memory':
      return gpuMemory(rule, ctx);
    case 'gpu_metric':
      return gpuMetric(rule, ctx);
    case 'gpu_idle':
      return gpuIdle(rule, ctx);
    case 'target_down':
      return targetDown(rule, ctx);
  }
}
