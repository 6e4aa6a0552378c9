import { createLogger } from '../core/log.js';
import { startStack } from '../app/stack.js';
import { startFakeDcgm } from '../demo/fake-dcgm.js';
import { makePipelineRuns, makePredictions, post } from '../demo/traffic.js';
import { configFromArgs, stopOnSignals } from './up.js';

/** `mlobs demo`: the stack plus a fake DCGM exporter, prediction traffic for two models and pipeline runs. */
export async function demo(argv: string[]): Promise<void> {
  const logger = createLogger({ level: (process.env.MLOBS_LOG_LEVEL as never) ?? 'info' });
  const dcgm = await startFakeDcgm(0);
  const { config } = configFromArgs(argv, process.env);
  config.collectors.dcgm.targets = [...config.collectors.dcgm.targets, dcgm.url];
  config.collectors.dcgm.scrapeIntervalMs = Math.min(config.collectors.dcgm.scrapeIntervalMs, 5000);
  config.collectors.dcgm.scrapeTimeoutMs = Math.min(config.collectors.dcgm.scrapeTimeoutMs, 5000);
  // Demo prices and ownership so that `mlobs cost` has answers; a config file's own entries win.
  if (config.cost.prices.length === 0) {
    config.cost.prices = [
      { gpuModel: 'NVIDIA H100 80GB HBM3', perHour: 2.99 },
      { gpuModel: 'NVIDIA A100-SXM4-80GB', perHour: 1.79 },
    ];
  }
  config.cost.teams.byNamespace = { 'team-fraud': 'payments', 'team-eta': 'logistics', 'team-research': 'research', ...config.cost.teams.byNamespace };
  if (config.cost.models.length === 0) {
    config.cost.models = [
      { model: 'fraud-detector', deployment: 'fraud-detector' },
      { model: 'eta-regressor', deployment: 'eta-regressor' },
    ];
  }
  const stack = await startStack(config, { logger });
  const token = config.server.authToken;
  const print = (s: string) => console.log(`[demo] ${s}`);
  print(`API: ${stack.url}   (try: curl ${stack.url}/metrics)`);
  print(`fake DCGM exporter for 5 GPUs at ${dcgm.url}, scraped every ${config.collectors.dcgm.scrapeIntervalMs} ms`);
  const now = Date.now();
  // A day of history first: baseline traffic yesterday, drifted traffic in the last hour.
  await post(stack.url, '/v1/predictions', makePredictions({ count: 4000, startMs: now - 86_400_000, spacingMs: 20_000, seed: 1 }), logger, token);
  await post(stack.url, '/v1/predictions', makePredictions({ count: 2000, startMs: now - 3_600_000, spacingMs: 1_800, seed: 2, drift: 0.6 }), logger, token);
  await post(stack.url, '/v1/pipeline-events', makePipelineRuns(now), logger, token);
  print('sent 6000 historical predictions (fraud-detector, eta-regressor) and 4 pipeline runs (training-weekly fails)');
  let seed = 100;
  const timer = setInterval(() => {
    const events = makePredictions({ count: 50, startMs: Date.now() - 5000, spacingMs: 100, seed: seed++, drift: 0.6, idPrefix: 'live' });
    void post(stack.url, '/v1/predictions', events, logger, token).then(() =>
      post(stack.url, '/v1/labels', events.filter((_, i) => i % 5 === 0).map((e) => ({ model: e.model, prediction_id: e.prediction_id, timestamp: Date.now(), label: typeof e.prediction === 'number' ? e.prediction + 1 : e.prediction })), logger, token),
    );
  }, 5000);
  print(`sending 50 live predictions every 5 s; query with: mlobs sql --url ${stack.url} "SELECT model, count() FROM predictions GROUP BY model"`);
  print(`GPU cost so far: mlobs cost --url ${stack.url} --by team --from now-1h --to now`);
  stopOnSignals(stack, logger, async () => {
    clearInterval(timer);
    await dcgm.close();
  });
}
