// Hostile configs for the config loader: a valid config with one key set to a hostile value (the
// error must name that key), unknown keys, and YAML texts that attack the parser (alias bombs, deep
// nesting, duplicate keys, invalid UTF-8). The loader must answer with a ConfigError, never anything else.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfig, validateConfig } from '../../app/config.js';
import { ConfigError } from '../../core/errors.js';

/** Leaves of the config, as paths; a hostile value goes into one of them. */
const LEAVES = [
  'server.host', 'server.port', 'server.authToken', 'server.maxBodyBytes', 'storage.url', 'storage.database', 'storage.dataDir',
  'storage.retentionDays.predictions', 'storage.retentionDays.deadLetters', 'storage.requestTimeoutMs', 'kafka.brokers', 'kafka.topicPrefix',
  'kafka.numPartitions', 'bus.maxBufferedMessages', 'sink.batchMaxRows', 'sink.batchMaxWaitMs', 'sink.retryMaxMs', 'collectors.dcgm.targets',
  'collectors.dcgm.scrapeTimeoutMs', 'pipelines', 'cost', 'alerting', 'drift', 'alerting.enabled',
].map((p) => p.split('.'));

const deep = (depth: number) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 64, 'NaN', 'Infinity', '1e400', '', ' ', '\u0000', '-1s', '99999999999999999999d', 'x'.repeat(100_000)),
  fc.integer({ min: 100, max: 20_000 }).map(deep),
  fc.anything({ maxDepth: 3 }),
);

export type ConfigInput = { kind: 'object'; value: unknown; path?: string } | { kind: 'yaml'; text: string | Buffer; file: string };

const set = (o: Record<string, any>, path: string[], v: unknown) => {
  let cur = o;
  for (const k of path.slice(0, -1)) cur = cur[k] ??= {};
  cur[path[path.length - 1]!] = v;
  return o;
};

const YAML_ATTACKS: fc.Arbitrary<string | Buffer> = fc.oneof(
  // An alias bomb: nine levels of ten aliases each would expand to 10^9 nodes.
  fc.constant('a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill('*' + String.fromCharCode(97 + i)).join(',')}]`).join('\n') + '\n'),
  fc.integer({ min: 100, max: 50_000 }).map((d) => 'server: ' + '['.repeat(d) + ']'.repeat(d) + '\n'),
  fc.integer({ min: 100, max: 50_000 }).map((d) => 'server: ' + '{a: '.repeat(d) + '1' + '}'.repeat(d) + '\n'),
  fc.constant('server: {port: 1}\nserver: {port: 2}\n'),
  fc.constant('server:\n\tport: 1\n'),
  fc.constant('- a\n- b\n'),
  fc.constant('server: {port: 1e400}\n'),
  fc.constant('server: {port: .nan}\nbus: {maxBufferedMessages: .inf}\n'),
  fc.constant(Buffer.from([0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x3a, 0x20, 0xff, 0xfe, 0x0a])),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
);

/** Config inputs: objects (validateConfig) and YAML files (loadConfig). */
export function configInputs(dir: string): fc.Arbitrary<ConfigInput> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...LEAVES), hostileValue).map(([path, v]): ConfigInput => ({ kind: 'object', value: set({ server: { port: 0 } }, path, v), path: path.join('.') })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('server', 'storage', 'kafka', 'sink', 'collectors'), fc.stringMatching(/^[a-z][A-Za-z]{0,12}$/)).map(([section, key]): ConfigInput => ({ kind: 'object', value: { [section]: { [key + 'Zz']: 1 } }, path: `${section}.${key}Zz` })) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 4 }).map((value): ConfigInput => ({ kind: 'object', value })) },
    {
      weight: 2,
      arbitrary: YAML_ATTACKS.map((text): ConfigInput => ({ kind: 'yaml', text, file: join(dir, 'fuzz-config.yaml') })),
    },
  );
}

/** Feeds one input to the loader; throws (failing the test) unless the answer is a config or a ConfigError naming the key. */
export function checkConfigInput(input: ConfigInput): 'accepted' | 'refused' {
  try {
    if (input.kind === 'object') validateConfig(input.value);
    else {
      writeFileSync(input.file, input.text);
      loadConfig({ file: input.file, env: {} });
    }
    return 'accepted';
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`config loader threw ${(e as Error)?.name}: ${(e as Error)?.message?.slice(0, 300)} for ${describe(input)}`);
    if (input.kind === 'object' && input.path && !e.message.includes(input.path)) throw new Error(`ConfigError does not name ${input.path}: ${e.message.slice(0, 300)}`);
    return 'refused';
  }
}

function describe(i: ConfigInput): string {
  if (i.kind === 'yaml') return `YAML ${JSON.stringify(i.text.toString().slice(0, 200))}`;
  try {
    return `${i.path ?? 'object'} = ${String(JSON.stringify(i.value) ?? i.value).slice(0, 200)}`;
  } catch {
    return `${i.path ?? 'object'} = (a value JSON cannot print)`;
  }
}
