import { z } from 'zod';
import { baseConfigShape, loadConfig as loadWith, refineBaseConfig, validateConfig as validateWith, type BaseConfig, type ConfigSources } from '../core/config.js';
import type { StackModule } from '../plugin/module.js';
import { MODULES } from './modules.js';

type Module = (typeof MODULES)[number];
type SchemaOf<M> = M extends StackModule<infer S, string> ? ([S] extends [z.ZodNever] ? never : S) : never;
type WithSection = { [K in Module['name']]: SchemaOf<Extract<Module, { name: K }>> extends never ? never : K }[Module['name']];

/** The whole stack's settings: the base sections, and each feature module's own under its name. */
export type Config = BaseConfig & { [K in WithSection]: z.infer<SchemaOf<Extract<Module, { name: K }>>> };
export type ConfigInput = z.input<z.ZodObject<typeof baseConfigShape>> & { [K in WithSection]?: z.input<SchemaOf<Extract<Module, { name: K }>>> } & Record<string, unknown>;

/** The config schema of a module list: the base sections plus each module's section under its name (absent means its defaults). */
export function configSchemaFor(modules: readonly StackModule<any, string>[]) {
  const sections: Record<string, z.ZodType> = {};
  for (const m of modules) if (m.configSchema) sections[m.name] = (m.configSchema as z.ZodObject).prefault({});
  return z
    .object({ ...baseConfigShape, ...sections })
    .strict()
    .superRefine((c, ctx) => refineBaseConfig(c as BaseConfig, ctx));
}

const DEFAULT_SCHEMA = configSchemaFor(MODULES);

/** Validates a raw config for the stack (or for `modules`); throws ConfigError naming every bad key. */
export function validateConfig(raw: unknown, opts: { origin?: string; modules?: readonly StackModule<any, string>[] } = {}): Config {
  const schema = opts.modules ? configSchemaFor(opts.modules) : DEFAULT_SCHEMA;
  return validateWith(raw, opts.origin ?? 'config', schema) as unknown as Config;
}

/** Merges defaults < YAML file < environment < flags and validates once, for the stack (or for `modules`). */
export function loadConfig(src: ConfigSources = {}, modules?: readonly StackModule<any, string>[]): Config {
  return loadWith(src, (modules ? configSchemaFor(modules) : DEFAULT_SCHEMA) as unknown as z.ZodType<BaseConfig>) as unknown as Config;
}
