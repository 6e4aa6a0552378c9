/**
 * The declared interface between the producer of model-registry events (registry/, which receives
 * MLflow's webhooks) and their readers (drift/ for `reference: {type: alias}`, dashboards/ for the
 * new-version annotation): neither feature imports the other, both read this.
 */

/** The table the registry module writes, one row per accepted delivery (ReplacingMergeTree on the delivery id: a retried delivery is one row). */
export const REGISTRY_EVENTS_TABLE = 'registry_events';

/** The events stored; every other event MLflow may send is accepted, counted and not stored. */
export const REGISTRY_EVENT = {
  versionCreated: 'model_version.created',
  aliasCreated: 'model_version_alias.created',
  aliasDeleted: 'model_version_alias.deleted',
} as const;
export type RegistryEventName = (typeof REGISTRY_EVENT)[keyof typeof REGISTRY_EVENT];

/**
 * One row of `registry_events` as readers see it (read it with FINAL). `model` and `version` are
 * mlobs names (the predictions' `model` and `model_version`), already mapped from the registry's.
 */
export interface RegistryEventRow {
  source: string;
  delivery_id: string;
  event: RegistryEventName;
  model: string;
  /** The version created, or the version the alias now points to; '' for an alias deleted. */
  version: string;
  /** '' for a version created. */
  alias: string;
  /** When the registry sent the event (its payload's timestamp), epoch ms: the moment an alias moved. */
  ts: number;
}
