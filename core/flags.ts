import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ConfigError } from './errors.js';

/** Parses command-line flags strictly: an unknown flag is an error naming it. */
export function parseFlags<T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true as const });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

export function portFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new ConfigError(`--port must be an integer 0-65535, got ${JSON.stringify(v)}`);
  return Number(v);
}
