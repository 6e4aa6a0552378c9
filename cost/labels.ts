/**
 * Pod labels as they arrive on GPU series. dcgm-exporter (`--kubernetes-enable-pod-labels`) and
 * Prometheus's `labelmap` of `__meta_kubernetes_pod_label_(.+)` both turn a Kubernetes label key into
 * a Prometheus label name by replacing every character outside [a-zA-Z0-9_] with `_`:
 * `app.kubernetes.io/part-of` arrives as `app_kubernetes_io_part_of`. Config and queries name labels
 * either way; both are read through this one mapping.
 */
export function labelName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** The value of a pod label on a series, '' when it has none (an empty label is no label in Prometheus). */
export function labelValue(labels: Readonly<Record<string, string>> | undefined, key: string): string {
  return labels?.[labelName(key)] ?? '';
}
