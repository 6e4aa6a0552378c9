import { DEMO_GPUS, renderDcgm } from '../../demo/fake-dcgm.js';
import { makePipelineRuns, makePredictions, rng } from '../../demo/traffic.js';

type Post = (path: string, body: unknown) => Promise<Response>;

const HOUR = 3_600_000;

/**
 * Seeds a stack through its HTTP API with the demo generators: six hours of predictions for two
 * models (the last three drifted), labels for a third of them, GPU scrapes, pipeline runs and one
 * dead letter. Module tables (drift, cost, alerting) are filled by their modules, not here.
 */
export async function seedDemo(stack: { post: Post; drain: (ms?: number) => Promise<boolean> }, nowMs: number): Promise<void> {
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
    await ok('/v1/gpu/metrics', renderDcgm(DEMO_GPUS, nowMs + i * 15_000));
  }
  await ok('/v1/pipeline-events', makePipelineRuns(nowMs));
  // One invalid event, kept as a dead letter.
  await stack.post('/v1/predictions', [{ model: 'fraud-detector', prediction_id: 'bad-1', timestamp: nowMs, prediction: 'x', features: 'not an object' }]);
  if (!(await stack.drain(30_000))) throw new Error('seeded events were not stored within 30 s');
}
