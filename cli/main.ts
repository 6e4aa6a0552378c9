import { MlobsError } from '../core/errors.js';
import { up, UP_HELP } from './up.js';
import { demo } from './demo.js';
import { sql } from './sql.js';
import { dashboards } from '../dashboards/cli.js';
import { cost } from '../cost/cli.js';
import { alerts, silence, slo, ALERTING_HELP } from '../alerting/cli.js';
import { drift } from '../drift/cli/cli.js';

const HELP = `mlobs: monitoring and observability for ML in production

Commands:
  up      run the stack (embedded ClickHouse and in-process bus unless configured)
  demo    run the stack with a fake DCGM exporter, prediction traffic and pipeline runs
  sql     run a read-only SQL query against a running stack
  dashboards  build Grafana dashboards and provisioning (mlobs dashboards build --out DIR), or push them to Grafana
  cost    GPU-hours, cost and idle cost by team, namespace, pod, model, node or GPU model (mlobs cost --help)
  alerts  list alerts of a running stack: what fires, since when, why
  slo     SLO error budgets (mlobs slo status) and Prometheus rules (mlobs slo export-prometheus)
  silence add, list and expire silences (author and comment required)
  drift   drift reports, references and model quality (mlobs drift --help)

${UP_HELP}

${ALERTING_HELP}`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { up, demo, sql, dashboards, cost, alerts, slo, silence, drift };

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(HELP);
    return;
  }
  const run = COMMANDS[cmd];
  if (!run) throw new MlobsError(`unknown command ${JSON.stringify(cmd)}; run mlobs --help`, { reason: 'usage', retryable: false });
  await run(rest);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`mlobs: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e instanceof MlobsError && !e.retryable ? 2 : 1);
});
