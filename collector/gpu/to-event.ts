import type { GpuSample } from '../../core/schemas/gpu-sample.js';
import type { GpuSampleEvent } from '../../core/schemas/events.js';

/** The bus form of a parsed sample: JSON cannot carry NaN/±Inf, so they travel as strings. */
export function gpuSampleToEvent(s: GpuSample): GpuSampleEvent {
  let value: GpuSampleEvent['value'] = s.value;
  if (s.value !== null && !Number.isFinite(s.value)) value = Number.isNaN(s.value) ? 'NaN' : s.value > 0 ? '+Inf' : '-Inf';
  return {
    timestamp: s.tsMs,
    metric: s.metric,
    metric_type: s.metricType as GpuSampleEvent['metric_type'],
    value,
    hostname: s.hostname,
    gpu: s.gpu,
    uuid: s.uuid,
    pci_bus_id: s.pciBusId,
    device: s.device,
    model_name: s.modelName,
    gpu_i_profile: s.gpuIProfile,
    gpu_i_id: s.gpuIId,
    namespace: s.namespace,
    pod: s.pod,
    container: s.container,
    labels: s.labels,
    source: s.source,
  };
}
