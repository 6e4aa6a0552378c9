import { fileURLToPath } from 'node:url';
import { loadConfig } from '../app/config.js';
import { parseDurationMs } from '../core/duration.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { startStack } from '../app/stack.js';
import { startFakeDcgm } from '../demo/fake-dcgm.js';
import { makePipelineRuns, makePredictions, makeReferenceRows, post } from '../demo/traffic.js';
import { parseFlags, portFlag } from '../core/flags.js';
import { STACK_FLAGS } from './args.js';
import { stopOnSignals } from './up.js';

/** The config the demo runs with unless --config is given: SLOs, rules, a drift schedule and prices. */
export const DEMO_CONFIG = fileURLToPath(new URL('../demo/mlobs.demo.yaml', import.meta.url));
const DEFAULT_URL = 'http://127.0.0.1:8080';

export const DEMO_HELP = `mlobs demo [--config FILE] [--port N] [--data-dir DIR] [--host ADDR] [--drift-after 2m]

Runs the stack with demo/mlobs.demo.yaml (unless --config), a fake DCGM exporter for five GPUs,
a day of prediction history, live traffic for two models, and four pipeline runs of which
training-weekly fails. fraud-detector's live traffic starts drifting after --drift-after.`;

/** `mlobs demo`: the stack plus a fake DCGM exporter, prediction traffic for two models and pipeline runs. */
export async function demo(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, { ...STACK_FLAGS, 'drift-after': { type: 'string' } });
  if (values.help) return void console.log(DEMO_HELP);
  const driftAfterMs = parseDurationMs(values['drift-after'] ?? '2m');
  if (driftAfterMs === null) throw new ConfigError(`--drift-after: not a duration: ${JSON.stringify(values['drift-after'])} (e.g. 2m, 30s, 0s)`);
  const configFile = values.config ?? DEMO_CONFIG;
  const config = loadConfig({ file: configFile, env: process.env, flags: { port: portFlag(values.port), dataDir: values['data-dir'], host: values.host } });
  const logger = createLogger({ level: (process.env.MLOBS_LOG_LEVEL as never) ?? 'info' });
  const dcgm = await startFakeDcgm(0);
  config.collectors.dcgm.targets = [...config.collectors.dcgm.targets, dcgm.url];
  config.collectors.dcgm.scrapeIntervalMs = Math.min(config.collectors.dcgm.scrapeIntervalMs, 5000);
  config.collectors.dcgm.scrapeTimeoutMs = Math.min(config.collectors.dcgm.scrapeTimeoutMs, 5000);
  const stack = await startStack(config, { logger });
  const token = config.server.authToken;
  const print = (s: string) => console.log(`[demo] ${s}`);
  print(`API: ${stack.url}   config: ${configFile}`);
  print(`fake DCGM exporter for 5 GPUs at ${dcgm.url}, scraped every ${config.collectors.dcgm.scrapeIntervalMs} ms`);
  const now = Date.now();
  // Training sets first, so that the drift schedule has its configured (upload) references.
  for (const [model, seed] of [['fraud-detector', 501], ['eta-regressor', 502]] as const) {
    await post(stack.url, `/v1/models/${model}/reference`, makeReferenceRows(model, 2000, seed), logger, token);
  }
  // A day of history: baseline traffic yesterday and in the last hour.
  await post(stack.url, '/v1/predictions', makePredictions({ count: 4000, startMs: now - 86_400_000, spacingMs: 20_000, seed: 1 }), logger, token);
  // The last hour as dense as the live traffic, so that the first scheduled windows are as full as later ones.
  for (let k = 0; k < 6; k++) {
    await post(stack.url, '/v1/predictions', makePredictions({ count: 3000, startMs: now - 3_600_000 + k * 600_000, spacingMs: 200, seed: 2 + k }), logger, token);
  }
  await post(stack.url, '/v1/pipeline-events', makePipelineRuns(now), logger, token);
  print('uploaded training sets of both models as drift references; sent 22000 historical predictions and 4 pipeline runs (training-weekly fails)');
  let seed = 100;
  const timer = setInterval(() => {
    // fraud-detector's traffic shifts (larger amounts, another country mix) once --drift-after has passed.
    const drift = Date.now() - now >= driftAfterMs ? 0.6 : 0;
    const events = makePredictions({ count: 100, startMs: Date.now() - 2000, spacingMs: 20, seed: seed++, drift, driftOnly: 'fraud-detector', idPrefix: 'live' });
    void post(stack.url, '/v1/predictions', events, logger, token).then(() =>
      post(stack.url, '/v1/labels', events.filter((_, i) => i % 5 === 0).map((e) => ({ model: e.model, prediction_id: e.prediction_id, timestamp: Date.now(), label: typeof e.prediction === 'number' ? e.prediction + 1 : e.prediction })), logger, token),
    );
  }, 2000);
  const url = stack.url === DEFAULT_URL ? '' : ` --url ${stack.url}`;
  print(`sending 100 live predictions every 2 s; fraud-detector drifts from ${Math.round(driftAfterMs / 1000)} s on`);
  print('in another terminal:');
  print(`  npx mlobs alerts${url}                        PipelineFailed at once; GpuIdle after ~2 min; FeatureDrift ~1 min after the drift starts`);
  print(`  npx mlobs slo status${url}                    error budgets of the four SLOs on both models`);
  print(`  npx mlobs drift report --model fraud-detector --from now-1h${url}   drift against the uploaded training set`);
  print(`  npx mlobs cost --by team --from now-1h${url}   GPU cost of the five fake GPUs`);
  stopOnSignals(stack, logger, async () => {
    clearInterval(timer);
    await dcgm.close();
  });
}
