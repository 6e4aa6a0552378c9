import { loadConfig } from '../app/config.js';
import { schemaSql } from '../app/schema.js';
import { ConfigError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';
import { assertClusterName } from '../storage/cluster.js';

export const SCHEMA_HELP = `mlobs schema [--config FILE] [--cluster NAME] [--database DB]

Prints every statement the stack's migrations run (the migration record, then each migration in
order), as \`mlobs up\` would apply them. With --cluster (or storage.cluster), the cluster form:
ON CLUSTER, Replicated*MergeTree local tables (suffix _local) behind Distributed tables.
deploy/clickhouse/cluster-schema.sql is \`mlobs schema --cluster mlobs\`.`;

export async function schema(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseFlags(argv, { config: { type: 'string' }, cluster: { type: 'string' }, database: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    console.log(SCHEMA_HELP);
    return;
  }
  // Printing needs no server, so storage.cluster's "needs storage.url" rule is not asked of --cluster.
  const { storage } = loadConfig({ file: values.config, env });
  const cluster = values.cluster ?? storage.cluster;
  if (cluster !== undefined) assertClusterName(cluster);
  const database = values.database ?? storage.database;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new ConfigError(`--database must be a plain identifier, got ${JSON.stringify(database)}`);
  process.stdout.write(schemaSql(database, storage.retentionDays, { cluster }));
}
