import { ConfigError, MlobsError } from '../core/errors.js';
import type { Command, StackModule } from '../plugin/module.js';
import { loadConfig } from '../app/config.js';

/** The command line's commands: the built-in ones, then each module's, bound to its own config section. */
export function commandsOf(builtIn: Command[], modules: readonly StackModule<any, string>[]): Command[] {
  const out = [...builtIn];
  for (const m of modules) {
    for (const c of m.commands ?? []) {
      if (out.some((o) => o.name === c.name)) throw new ConfigError(`command ${c.name} of module ${m.name} is already taken`);
      out.push({
        name: c.name,
        summary: c.summary,
        run: (argv, ctx) =>
          c.run(argv, {
            env: ctx.env,
            loadConfig: (file) => {
              const config = loadConfig({ file, env: ctx.env }, modules);
              return { config, moduleConfig: (config as Record<string, unknown>)[m.name] };
            },
          }),
      });
    }
  }
  return out;
}

/** Runs `argv` (command and its arguments) against `commands`; prints `help` for none. */
export async function runCommand(argv: string[], commands: Command[], help: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help);
    return;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new MlobsError(`unknown command ${JSON.stringify(name)}; run mlobs --help`, { reason: 'usage', retryable: false });
  await command.run(rest, { env, loadConfig: () => { throw new ConfigError(`${name} reads no config`); } });
}
