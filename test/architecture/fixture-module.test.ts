import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../../core/log.js';
import { defineModule } from '../../plugin/module.js';
import { MODULES } from '../../app/modules.js';
import { validateConfig } from '../../app/config.js';
import { startStack, type Stack } from '../../app/stack.js';
import { commandsOf } from '../../cli/commands.js';

const events: string[] = [];
const printed: string[] = [];

// A whole feature in one manifest, as a new folder would declare it.
const fixtureModule = defineModule({
  name: 'fixture',
  configSchema: z.object({ greeting: z.string().default('hello') }).strict(),
  migrations: [{ id: 9000, name: 'fixture table', statements: (db) => [`CREATE TABLE IF NOT EXISTS ${db}.fixture_things (id UInt32) ENGINE = MergeTree ORDER BY id`] }],
  commands: [
    {
      name: 'fixture-greet',
      summary: 'prints the configured greeting',
      run: async (argv, ctx) => {
        printed.push(`${ctx.loadConfig(argv[0]).moduleConfig.greeting}`);
      },
    },
  ],
  setup: (ctx) => {
    const routes = Router();
    routes.get('/v1/fixture', (_req, res) => void res.json({ greeting: ctx.moduleConfig.greeting }));
    return {
      routes,
      jobs: [
        {
          name: 'fixture.tick',
          scope: 'fleet',
          start: async () => {
            events.push('job started');
            return async () => void events.push('job stopped');
          },
        },
      ],
      close: async () => void events.push('module closed'),
    };
  },
});

const modules = [...MODULES, fixtureModule];

describe('a feature module registered through the module list', () => {
  let stack: Stack;
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-fixture-'));
    const config = validateConfig({ server: { port: 0 }, storage: { dataDir }, fixture: { greeting: 'hi there' } }, { modules });
    stack = await startStack(config, { logger: silentLogger, modules });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gets its own validated config section, and a bad key in it is named', () => {
    expect(() => validateConfig({ fixture: { greting: 'x' } }, { modules })).toThrow(/fixture.greting: Unrecognized key/);
    expect(() => validateConfig({ fixture: {} })).toThrow(/Unrecognized key: "fixture"/);
  });

  it('has its route mounted behind the stack edge, reading its section', async () => {
    const res = await fetch(`${stack.url}/v1/fixture`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ greeting: 'hi there' });
  });

  it('has its migration applied', async () => {
    const rows = await stack.store.query<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'fixture_things'`, { db: stack.store.database });
    expect(Number(rows[0]!.n)).toBe(1);
    const applied = await stack.store.query<{ id: number }>(`SELECT id FROM ${stack.store.database}.schema_migrations FINAL WHERE id = 9000`);
    expect(applied).toHaveLength(1);
  });

  it('has its job started, with its scope declared', () => {
    expect(events).toContain('job started');
    expect(stack.jobs).toContainEqual({ module: 'fixture', name: 'fixture.tick', scope: 'fleet' });
  });

  it('has its command on the command line, given its own config section from the file', async () => {
    const commands = commandsOf([], modules);
    const greet = commands.find((c) => c.name === 'fixture-greet');
    expect(greet?.summary).toBe('prints the configured greeting');
    const file = join(mkdtempSync(join(tmpdir(), 'mlobs-fixture-cfg-')), 'mlobs.yaml');
    writeFileSync(file, 'fixture:\n  greeting: from the file\n');
    await greet!.run([file], { env: {}, loadConfig: () => { throw new Error('the command must get its section through its module'); } });
    expect(printed).toEqual(['from the file']);
  });

  it('has its job stopped before the module closes, when the stack stops', async () => {
    await stack.stop();
    expect(events.slice(-2)).toEqual(['job stopped', 'module closed']);
  });
});

describe('the module list', () => {
  it('gives every migration its own id, so none is skipped as already applied', async () => {
    const { MIGRATIONS } = await import('../../storage/migrations.js');
    const ids = [...MIGRATIONS, ...MODULES.flatMap((m) => m.migrations ?? [])].map((m) => m.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('gives every module its own name, so config sections and commands cannot collide', () => {
    const names = MODULES.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(() => commandsOf([], MODULES)).not.toThrow();
  });
});
