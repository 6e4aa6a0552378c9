import { eventually } from '../../test/helpers/eventually.js';
import type { ConfigInput } from '../../app/config.js';
import type { Store } from '../../storage/store.js';
import { DEMO_GPUS, renderDcgm } from '../../demo/fake-dcgm.js';
import { makePipelineRuns, makePredictions, rng } from '../../demo/traffic.js';
import { genAiTraces } from '../../demo/genai-traces.js';

/** The GPU of the demo LLM's serving pod: the Deployment `llama-chat` (the LLM serving dashboard's cost per 1,000 tokens). */
export const LLM_GPU = { host: 'gpu-node-c1', gpu: '0', uuid: 'GPU-demo-0006', model: 'NVIDIA H100 80GB HBM3', namespace: 'team-chat', pod: 'llama-chat-7d9f8-x2k4p', container: 'vllm', util: 85 };

type Post = (path: string, body: unknown) => Promise<Response>;

const HOUR = 3_600_000;

/**
 * What the proof stack is configured with so that module tables get rows from the demo data:
 * prices for the GPU models the fake DCGM serves (`cost_prices`, priced `cost_gpu_usage`), a latency
 * SLO the demo traffic breaks (fraud-detector answers in 8-28 ms, the SLO wants 99 % within 20 ms)
 * a pipeline rule the demo's failed `training-weekly` run trips (`alerting_alerts`), and a drift
 * schedule for both demo models (`drift_results`): every 5 s the last three hours (the drifted
 * traffic) against the three before (rolling reference), plus model quality from the labels.
 */
export const PROOF_CONFIG = {
  cost: {
    prices: [
      { gpuModel: 'NVIDIA H100 80GB HBM3', perHour: 2.99 },
      { gpuModel: 'NVIDIA A100-SXM4-80GB', perHour: 1.79 },
    ],
  },
  alerting: {
    slos: [{ name: 'fraud-latency', sli: { type: 'latency', model: 'fraud-detector', thresholdMs: 20 }, objective: 0.99 }],
    rules: [{ name: 'PipelineFailed', kind: 'pipeline_failed', severity: 'critical' }],
  },
  drift: {
    models: [
      { model: 'fraud-detector', positiveClass: 'fraud', reference: { type: 'rolling', offset: '3h' }, schedule: { every: '5s', window: '3h' } },
      { model: 'eta-regressor', reference: { type: 'rolling', offset: '3h' }, schedule: { every: '5s', window: '3h' } },
    ],
  },
} satisfies ConfigInput;

/** Tables that modules fill from the seeded data, each with the least the proof waits for. */
const MODULE_ROWS: { table: string; where: string }[] = [
  { table: 'cost_gpu_util', where: '1' },
  { table: 'cost_prices', where: '1' },
  // The SLO page and ticket alerts and the pipeline alert.
  { table: 'alerting_alerts', where: "state = 'firing'" },
  // A scheduled drift evaluation of the seeded data: a data-set verdict and quality from labels.
  // The scheduler runs every 5 s, so a window evaluated after the seeding was stored comes soon.
  { table: 'drift_results', where: "feature = '@dataset' AND drifted IS NOT NULL AND n_current > 0" },
  { table: 'drift_results', where: "feature = '@quality' AND value IS NOT NULL" },
  // CBPE: fraud-detector's reference (3 h back) has labels, so its estimate is stored per window.
  { table: 'drift_results', where: "feature = '@estimated' AND value IS NOT NULL" },
];

/**
 * Seeds a stack through its HTTP API with the demo generators: six hours of predictions for two
 * models (the last three drifted), labels for a third of them, GPU scrapes, two hours of OTLP GenAI
 * traces of an LLM (with its serving pod's GPU), pipeline runs and one dead letter. Module tables are filled by their modules (cost by materialised views on
 * `gpu_samples` and prices from config, alerting by its evaluator over the stored data, drift by
 * its scheduler: start the stack with `PROOF_CONFIG`); this waits until those that exist have rows.
 */
export async function seedDemo(
  stack: { post: Post; drain: (ms?: number) => Promise<boolean>; store: Pick<Store, 'database' | 'query'> },
  nowMs: number,
): Promise<void> {
  const ok = async (path: string, body: unknown) => {
    const res = await stack.post(path, body);
    if (res.status >= 300) throw new Error(`seeding ${path} failed: ${res.status} ${await res.text()}`);
  };
  const reference = makePredictions({ count: 1200, startMs: nowMs - 6 * HOUR, spacingMs: 9000, seed: 1, idPrefix: 'ref' });
  const current = makePredictions({ count: 1200, startMs: nowMs - 3 * HOUR, spacingMs: 9000, seed: 2, drift: 1, idPrefix: 'cur' });
  for (const batch of [reference, current]) await ok('/v1/predictions', batch);
  const r = rng(3);
  const labels = [...reference, ...current]
    .filter((_, i) => i % 3 === 0)
    .map((p) => ({
      model: p.model,
      prediction_id: p.prediction_id,
      timestamp: p.timestamp + 60_000,
      label: typeof p.prediction === 'string' ? (r() < 0.85 ? p.prediction : p.prediction === 'fraud' ? 'legit' : 'fraud') : (p.prediction as number) + (r() - 0.5) * 4,
    }));
  await ok('/v1/labels', labels);
  // Scrapes carry no timestamps: each is stored at the time it is received.
  for (let i = 0; i < 3; i++) {
    await ok('/v1/gpu/metrics', renderDcgm([...DEMO_GPUS, LLM_GPU], nowMs + i * 15_000));
  }
  // Two hours of GenAI traffic over OTLP/JSON (otel_traces, and predictions with tokens and TTFT).
  const { requests } = genAiTraces({ count: 480, startMs: nowMs - 2 * HOUR, spacingMs: 15_000, seed: 4, model: 'llama-chat', errorEvery: 25 });
  for (const req of requests) await ok('/v1/traces', req);
  await ok('/v1/pipeline-events', makePipelineRuns(nowMs));
  // One invalid event, kept as a dead letter.
  await stack.post('/v1/predictions', [{ model: 'fraud-detector', prediction_id: 'bad-1', timestamp: nowMs, prediction: 'x', features: 'not an object' }]);
  if (!(await stack.drain(30_000))) throw new Error('seeded events were not stored within 30 s');
  await moduleRows(stack.store, 30_000);
}

/** Waits until every module table of MODULE_ROWS that exists has its rows (the alerting evaluator runs every second, the drift schedule every 5 s). */
async function moduleRows(store: Pick<Store, 'database' | 'query'>, timeoutMs: number): Promise<void> {
  const tables = new Set((await store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = {db:String}`, { db: store.database })).map((r) => r.name));
  for (const { table, where } of MODULE_ROWS.filter((m) => tables.has(m.table))) {
    const count = async () => Number((await store.query<{ n: string | number }>(`SELECT count() AS n FROM ${store.database}.${table} WHERE ${where}`))[0]?.n);
    await eventually(count, (n) => n > 0, { timeoutMs, intervalMs: 100, what: `module table ${table} rows (${where}) after seeding; is the proof stack started with PROOF_CONFIG?` });
  }
}
