import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeGpu {
  host: string;
  gpu: string;
  uuid: string;
  model: string;
  namespace: string;
  pod: string;
  container: string;
  /** Mean utilisation %, so the demo shows busy, idle-but-allocated and unallocated GPUs. */
  util: number;
  mig?: { profile: string; id: string };
}

export const DEMO_GPUS: FakeGpu[] = [
  { host: 'gpu-node-a1', gpu: '0', uuid: 'GPU-demo-0001', model: 'NVIDIA H100 80GB HBM3', namespace: 'team-fraud', pod: 'fraud-detector-6c9d-0', container: 'server', util: 72 },
  { host: 'gpu-node-a1', gpu: '1', uuid: 'GPU-demo-0002', model: 'NVIDIA H100 80GB HBM3', namespace: 'team-eta', pod: 'eta-regressor-5f7b-0', container: 'server', util: 38 },
  { host: 'gpu-node-a2', gpu: '0', uuid: 'GPU-demo-0003', model: 'NVIDIA H100 80GB HBM3', namespace: 'team-research', pod: 'notebook-alice-0', container: 'jupyter', util: 1 },
  { host: 'gpu-node-a2', gpu: '1', uuid: 'GPU-demo-0004', model: 'NVIDIA H100 80GB HBM3', namespace: '', pod: '', container: '', util: 0 },
  { host: 'gpu-node-b1', gpu: '0', uuid: 'GPU-demo-0005', model: 'NVIDIA A100-SXM4-80GB', namespace: 'team-eta', pod: 'eta-batch-0', container: 'worker', util: 55, mig: { profile: '3g.40gb', id: '1' } },
];

const FIELDS: { name: string; type: 'gauge' | 'counter'; help: string; value: (g: FakeGpu, u: number, t: number) => number | string }[] = [
  { name: 'DCGM_FI_DEV_GPU_UTIL', type: 'gauge', help: 'GPU utilization (in %).', value: (_g, u) => Math.round(u) },
  { name: 'DCGM_FI_DEV_FB_USED', type: 'gauge', help: 'Framebuffer memory used (in MiB).', value: (_g, u) => Math.round(2000 + u * 600) },
  { name: 'DCGM_FI_DEV_FB_FREE', type: 'gauge', help: 'Framebuffer memory free (in MiB).', value: (_g, u) => Math.round(81559 - 2000 - u * 600) },
  { name: 'DCGM_FI_DEV_GPU_TEMP', type: 'gauge', help: 'GPU temperature (in C).', value: (_g, u) => Math.round(32 + u * 0.4) },
  // Memory temperature is not readable on the unallocated card: DCGM's int64 blank sentinel.
  { name: 'DCGM_FI_DEV_MEMORY_TEMP', type: 'gauge', help: 'Memory temperature (in C).', value: (g, u) => (g.pod ? Math.round(35 + u * 0.3) : '9223372036854775794') },
  { name: 'DCGM_FI_DEV_POWER_USAGE', type: 'gauge', help: 'Power draw (in W).', value: (_g, u) => +(70 + u * 6).toFixed(3) },
  { name: 'DCGM_FI_DEV_SM_CLOCK', type: 'gauge', help: 'SM clock frequency (in MHz).', value: (_g, u) => (u > 5 ? 1980 : 345) },
  { name: 'DCGM_FI_DEV_XID_ERRORS', type: 'gauge', help: 'Value of the last XID error encountered.', value: () => 0 },
  { name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', type: 'counter', help: 'Total energy consumption since boot (in mJ).', value: (_g, u, t) => Math.round(t / 1000) * (70 + u * 6) * 1000 },
  { name: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', type: 'gauge', help: 'Ratio of time the graphics engine is active.', value: (_g, u) => +(u / 100).toFixed(6) },
  { name: 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', type: 'gauge', help: 'Ratio of cycles the tensor (HMMA) pipe is active.', value: (_g, u) => +(u / 180).toFixed(6) },
];

/** Renders one DCGM exporter scrape for the fake fleet at time `t` (utilisation wanders deterministically). */
export function renderDcgm(gpus: FakeGpu[], t: number): string {
  const out: string[] = [];
  for (const f of FIELDS) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const g of gpus) {
      const u = Math.max(0, Math.min(100, g.util + (g.util > 5 ? 12 * Math.sin(t / 60_000 + Number(g.gpu)) : 0)));
      const mig = g.mig ? `,GPU_I_PROFILE="${g.mig.profile}",GPU_I_ID="${g.mig.id}"` : '';
      const labels = `gpu="${g.gpu}",UUID="${g.uuid}",pci_bus_id="00000000:${18 + Number(g.gpu)}:00.0",device="nvidia${g.gpu}",modelName="${g.model}",Hostname="${g.host}"${mig},DCGM_FI_DRIVER_VERSION="550.54.15",container="${g.container}",namespace="${g.namespace}",pod="${g.pod}"`;
      out.push(`${f.name}{${labels}} ${f.value(g, u, t)}`);
    }
  }
  return out.join('\n') + '\n';
}

/** Serves the fake fleet in DCGM exporter format on 127.0.0.1 (port 0 picks a free one). */
export async function startFakeDcgm(port = 0, now: () => number = Date.now): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(renderDcgm(DEMO_GPUS, now()));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return { url, close: () => new Promise((r) => server.close(() => r())) };
}
