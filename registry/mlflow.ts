/**
 * MLflow 3.x webhook payloads (docs "Webhooks" → Webhook Payload Structure): an envelope
 * {entity, action, timestamp, data[, workspace]} whose event is "<entity>.<action>". Pure: maps a
 * parsed body to the row stored, or says why it is ignored or refused.
 */
import { z } from 'zod';
import { REGISTRY_EVENT, type RegistryEventRow } from '../core/contracts/registry-events.js';
import { name as nameSchema } from '../core/schemas/common.js';
import type { MlflowConfig } from './config.js';

const envelope = z.object({
  entity: z.string().min(1).max(64),
  action: z.string().min(1).max(64),
  /** ISO 8601, when MLflow sent it; the same in every retry of a delivery. */
  timestamp: z.string().max(64).optional(),
  data: z.record(z.string(), z.unknown()),
});

const str = (max: number) => z.string().min(1).max(max);
// The fields of each payload type (mlflow.webhooks.types) that mlobs uses; the others pass through.
const DATA = {
  [REGISTRY_EVENT.versionCreated]: z.object({ name: str(256), version: str(64) }),
  [REGISTRY_EVENT.aliasCreated]: z.object({ name: str(256), alias: str(256), version: str(64) }),
  [REGISTRY_EVENT.aliasDeleted]: z.object({ name: str(256), alias: str(256) }),
} as const;

export type Parsed =
  | { kind: 'stored'; row: RegistryEventRow }
  /** A well-formed event mlobs has no use for (registered_model.created, tags, prompts, future ones). */
  | { kind: 'ignored'; event: string }
  | { kind: 'invalid'; message: string };

const issue = (e: z.ZodError, under: string[] = []) => e.issues.map((i) => `${[...under, ...i.path].join('.') || '(body)'}: ${i.message}`).join('; ');

/** Maps one delivery's parsed JSON to what is stored; `sentAtS` (X-MLflow-Timestamp) dates it when the body does not. */
export function parseDelivery(body: unknown, deliveryId: string, sentAtS: number, cfg: MlflowConfig): Parsed {
  const env = envelope.safeParse(body);
  if (!env.success) return { kind: 'invalid', message: `not an MLflow webhook payload: ${issue(env.error)}` };
  const event = `${env.data.entity}.${env.data.action}`;
  const schema = DATA[event as keyof typeof DATA];
  if (!schema) return { kind: 'ignored', event: /^[a-z_]+\.[a-z_]+$/.test(event) ? event : 'other' };
  const d = schema.safeParse(env.data.data);
  if (!d.success) return { kind: 'invalid', message: `${event}: ${issue(d.error, ['data'])}` };
  const data = d.data as { name: string; version?: string; alias?: string };
  const model = cfg.models[data.name] ?? data.name;
  const checked = nameSchema('model').safeParse(model);
  if (!checked.success) {
    return { kind: 'invalid', message: `${event}: MLflow model ${JSON.stringify(data.name)} is not a valid mlobs model name (${checked.error.issues[0]!.message}); map it in registry.mlflow.models` };
  }
  const sentMs = env.data.timestamp !== undefined ? Date.parse(env.data.timestamp) : NaN;
  return {
    kind: 'stored',
    row: {
      source: 'mlflow',
      delivery_id: deliveryId,
      event: event as RegistryEventRow['event'],
      model,
      version: data.version !== undefined ? cfg.versionPrefix + data.version : '',
      alias: data.alias ?? '',
      ts: Number.isFinite(sentMs) ? sentMs : sentAtS * 1000,
    },
  };
}
