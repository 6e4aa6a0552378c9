import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../test/architecture/layers.js';
import { COMPOSE_METRICS_TARGETS } from '../dashboards/provisioning.js';

// No Docker engine runs here: the Dockerfile and the compose file are checked by reading them.

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions in order (comments dropped, continuation lines joined), split into stages. */
function stages(text: string): Instruction[][] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: Instruction[][] = [];
  for (const l of lines) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(l) ?? [];
    if (!op) throw new Error(`not an instruction: ${l}`);
    if (op.toUpperCase() === 'FROM') out.push([]);
    out.at(-1)?.push({ op: op.toUpperCase(), args: args! });
  }
  return out;
}

const dockerfile = stages(readFileSync('deploy/Dockerfile', 'utf8'));
const final = dockerfile.at(-1)!;

describe('deploy/Dockerfile', () => {
  it('builds in stages and runs the final one as an unprivileged user', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    const users = final.filter((i) => i.op === 'USER');
    expect(users).toHaveLength(1);
    const [user, group] = users[0]!.args.split(':');
    expect(['root', '0']).not.toContain(user);
    expect(Number(user)).toBeGreaterThanOrEqual(10000);
    expect(group).toBe(user);
    // Nothing after USER runs as root again, and the final stage installs nothing itself.
    expect(final.slice(final.indexOf(users[0]!) + 1).map((i) => i.op)).not.toContain('RUN');
    expect(final.filter((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args))).toEqual([]);
  });

  it('has `mlobs up` as its entrypoint', () => {
    const entry = final.filter((i) => i.op === 'ENTRYPOINT');
    expect(entry).toHaveLength(1);
    expect(JSON.parse(entry[0]!.args)).toEqual(['node', 'bin/mlobs.js', 'up']);
    expect(readFileSync('bin/mlobs.js', 'utf8')).toContain("import('../cli/main.ts')");
    // bin/mlobs.js runs the TypeScript through tsx, so it must be a production dependency.
    expect(JSON.parse(readFileSync('package.json', 'utf8')).dependencies).toHaveProperty('tsx');
  });

  it('installs production dependencies only, and copies every product folder the CLI needs', () => {
    const install = dockerfile[0]!.find((i) => i.op === 'RUN' && /npm ci/.test(i.args));
    expect(install?.args).toMatch(/npm ci --omit=dev/);
    const copied = final.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args.split(/\s+/)[0]!);
    for (const src of copied) expect(existsSync(src), src).toBe(true);
    const product = LAYERS.flatMap((l) => l.folders);
    expect(product.length).toBeGreaterThan(10);
    for (const folder of product) expect(copied, `${folder} is not in the image`).toContain(folder);
    expect(copied).toContain('bin');
    expect(readFileSync('deploy/Dockerfile.dockerignore', 'utf8').split('\n')).toEqual(expect.arrayContaining(['**/*.test.ts', '**/testdata', 'test']));
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = parseYaml(readFileSync('deploy/docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, any> };
  const roles = ['ingest', 'scrape', 'sink', 'detect'];

  it('runs one service per role, each from the same image with the same backends', () => {
    const mlobs = Object.entries(compose.services).filter(([, s]) => s.environment?.MLOBS_ROLES);
    expect(mlobs.map(([name]) => name)).toEqual(roles.map((r) => `mlobs-${r}`));
    for (const [name, s] of mlobs) {
      expect(s.environment.MLOBS_ROLES, name).toBe(name.replace('mlobs-', ''));
      expect(s.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(s.environment).toMatchObject({ KAFKA_BROKERS: 'kafka:9092', CLICKHOUSE_URL: 'http://clickhouse:8123', MLOBS_HOST: '0.0.0.0' });
      expect(s).toMatchObject({ read_only: true, cap_drop: ['ALL'] });
    }
  });

  it('has Prometheus scrape the metrics of every role service', () => {
    const prom = parseYaml(readFileSync('deploy/grafana/prometheus/prometheus.yml', 'utf8'));
    expect(prom.scrape_configs[0].static_configs[0].targets).toEqual(COMPOSE_METRICS_TARGETS);
    for (const t of COMPOSE_METRICS_TARGETS) expect(compose.services).toHaveProperty(t.split(':')[0]!);
  });
});
