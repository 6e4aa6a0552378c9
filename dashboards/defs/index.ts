import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { gpuFleet } from './gpu-fleet.js';
import { gpuCost } from './gpu-cost.js';
import { modelDrift } from './model-drift.js';
import { sloAlerts } from './slo-alerts.js';
import { pipelineHealth } from './pipeline-health.js';
import { stack } from './stack.js';
import { llmServing } from './llm-serving.js';

/** Every generated dashboard, in menu order; each factory returns a fresh SDK builder. */
export const DASHBOARDS: (() => dash.DashboardBuilder)[] = [gpuFleet, gpuCost, modelDrift, sloAlerts, pipelineHealth, llmServing, stack];
