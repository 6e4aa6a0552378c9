import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** The spec version whose JSON schema is vendored in spec/ (see spec/PROVENANCE.md). */
export const SPEC_VERSION = '2-0-2';

const load = (file: string) => JSON.parse(readFileSync(new URL(`./spec/${file}`, import.meta.url), 'utf8'));
const CORE = load('run-event-2-0-2.schema.json');
const FACETS = load('facets.schema.json');
const F = `${FACETS.$id}#/$defs`;

/**
 * The core RunEvent schema, plus the standard facets mlobs reads checked against their own
 * schemas: the core schema sees every facet as an opaque BaseFacet, and a parent facet without a
 * run id would otherwise reach the mapping.
 */
const RUN_EVENT_WE_READ = {
  allOf: [
    { $ref: `${CORE.$id}#/$defs/RunEvent` },
    {
      type: 'object',
      properties: {
        run: {
          type: 'object',
          properties: {
            facets: {
              type: 'object',
              properties: {
                parent: { $ref: `${F}/ParentRunFacet` },
                errorMessage: { $ref: `${F}/ErrorMessageRunFacet` },
                nominalTime: { $ref: `${F}/NominalTimeRunFacet` },
              },
            },
          },
        },
        inputs: { type: 'array', items: { type: 'object', properties: { inputFacets: { type: 'object', properties: { inputStatistics: { $ref: `${F}/InputStatisticsInputDatasetFacet` } } } } } },
        outputs: { type: 'array', items: { type: 'object', properties: { outputFacets: { type: 'object', properties: { outputStatistics: { $ref: `${F}/OutputStatisticsOutputDatasetFacet` } } } } } },
      },
    },
  ],
};

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => Ajv2020;

/** A compiled validator; compiled once per process (ajv compiles to code, so this is the slow part). */
function compile() {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  addFormats(ajv);
  ajv.addSchema(CORE).addSchema(FACETS);
  return ajv.compile(RUN_EVENT_WE_READ);
}
let validator: ReturnType<typeof compile> | undefined;

export type Checked = { ok: true; event: RunEventIn } | { ok: false; error: string };

/** The fields of a RunEvent the mapping reads (validated, so present where the schema requires). */
export interface RunEventIn {
  eventType?: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  eventTime: string;
  run: { runId: string; facets?: Record<string, any> };
  job: { namespace: string; name: string };
  inputs?: { inputFacets?: Record<string, any> }[];
  outputs?: { outputFacets?: Record<string, any> }[];
}

const describe = (e: ErrorObject) => {
  const where = e.instancePath || '(the event)';
  const extra = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
  return `${where}: ${e.message}${extra}`;
};

/** Checks one JSON value against the OpenLineage RunEvent schema; never throws. */
export function checkRunEvent(value: unknown): Checked {
  validator ??= compile();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: `OpenLineage ${SPEC_VERSION}: the body must be one RunEvent object${Array.isArray(value) ? ' (send one event per request, as the HTTP transport does)' : ''}` };
  }
  const v = value as Record<string, unknown>;
  // DatasetEvent and JobEvent (static lineage) carry no run: they say nothing about pipeline health.
  if (!('run' in v) && ('dataset' in v || 'job' in v)) {
    return { ok: false, error: `OpenLineage ${SPEC_VERSION}: only RunEvents are accepted; this looks like a ${'dataset' in v ? 'DatasetEvent' : 'JobEvent'}, which has no run` };
  }
  if (validator(value)) return { ok: true, event: value as unknown as RunEventIn };
  return { ok: false, error: `OpenLineage ${SPEC_VERSION} RunEvent schema: ${(validator.errors ?? []).slice(0, 3).map(describe).join('; ')}` };
}
