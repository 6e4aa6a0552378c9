/** One DCGM field reading for one GPU (or MIG instance) at one instant: the row shape of the `gpu_samples` table. */
export interface GpuSample {
  /** Sample time, epoch milliseconds: the exposition's own timestamp when present, else scrape/receive time. */
  tsMs: number;
  /** DCGM field name, e.g. DCGM_FI_DEV_GPU_UTIL (histogram/summary series keep their suffix, e.g. _bucket). */
  metric: string;
  /** Prometheus metric type from `# TYPE` (gauge, counter, histogram, summary, untyped). */
  metricType: string;
  /** The reading; null when DCGM reported a "blank" sentinel (field could not be read). NaN/Inf are kept as numbers. */
  value: number | null;
  /** Host label: `Hostname` (released exporters) or `hostname` (newer ones); '' when absent. */
  hostname: string;
  gpu: string;
  uuid: string;
  pciBusId: string;
  device: string;
  modelName: string;
  /** MIG profile/instance (`GPU_I_PROFILE`/`GPU_I_ID`); '' for a whole GPU. */
  gpuIProfile: string;
  gpuIId: string;
  /** Kubernetes pod mapping; falls back to `exported_namespace` etc. when a scraper renamed them; '' when unallocated. */
  namespace: string;
  pod: string;
  container: string;
  /** Every other label, verbatim (e.g. DCGM_FI_DRIVER_VERSION, err_code, le). */
  labels: Record<string, string>;
  /** Where it came from: the scrape URL, or 'push' for POST /v1/gpu/metrics. */
  source: string;
}
