import { MlobsError } from '../core/errors.js';
import type { Command } from '../plugin/module.js';
import { MODULES } from '../app/modules.js';
import { up, UP_HELP } from './up.js';
import { demo } from './demo.js';
import { schema } from './schema.js';
import { commandsOf, runCommand } from './commands.js';

const BUILT_IN: Command[] = [
  { name: 'up', summary: 'run the stack (embedded ClickHouse and in-process bus unless configured)', run: (argv) => up(argv) },
  { name: 'demo', summary: 'run the stack with a fake DCGM exporter, prediction traffic and pipeline runs', run: (argv) => demo(argv) },
  { name: 'schema', summary: 'print the DDL the migrations run (--cluster NAME: the ClickHouse cluster form)', run: (argv) => schema(argv, process.env) },
];

const COMMANDS = commandsOf(BUILT_IN, MODULES);

const HELP = `mlobs: monitoring and observability for ML in production

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`).join('\n')}

${UP_HELP}`;

runCommand(process.argv.slice(2), COMMANDS, HELP).catch((e) => {
  console.error(`mlobs: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e instanceof MlobsError && !e.retryable ? 2 : 1);
});
