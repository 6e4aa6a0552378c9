import { MlobsError } from '../core/errors.js';

/**
 * What keeps the read-only endpoints read-only against a ClickHouse server, and why.
 *
 * `readonly` (docs: operations/settings/permissions-for-queries):
 *  - 1: only read queries; no setting may change (SettingsConstraints::getChecker refuses every change
 *    unless a constraint says `changeable_in_readonly`), and table functions are refused because
 *    they need CREATE TEMPORARY TABLE (ITableFunction::execute), which ContextAccess denies at
 *    readonly = 1 only (`not_readonly_1_flags`). file(), url(), s3(), remote(), executable(), ... all fall.
 *  - 2: reads, plus SET and CREATE TEMPORARY TABLE: table functions run and a query's own
 *    `SETTINGS max_result_rows = 0` lifts the limits. Never enough for untrusted SQL.
 *
 * Over HTTP every URL parameter that is not reserved (query_id, database, param_*, ...) is a setting
 * change. HTTPHandler collects them all, checks them together against the settings *before* the
 * request (Context::checkSettingsConstraints), then applies them in URL order; a change to the value
 * already in force is not checked at all (SettingsConstraints::checkImpl). So:
 *  - a reader user whose profile is readonly = 0 may send the read limits and `readonly=1` in one
 *    request: all are accepted, then the statement runs at readonly = 1 and its own SETTINGS are refused;
 *  - a reader user whose profile is already readonly = 1 may send `readonly=1` (no change) and
 *    nothing else: the limits must then live in its settings profile (deploy/clickhouse/users.d/mlobs.xml,
 *    profile `mlobs_reader`, with `const` constraints so no one can loosen them);
 *  - a profile at readonly = 2 cannot be brought down to 1 per request ("Cannot modify 'readonly'
 *    setting in readonly mode"), so the store refuses to start with it.
 * `readonly` goes last in the URL, so the limits are applied before it even on a server that
 * checked each setting after applying the previous one.
 *
 * The reader client is built so that clickhouse-js adds nothing else: response/request compression
 * off (else it sends `enable_http_compression=1`, a setting), no client-level settings, no session.
 */

/** The limits every read-only statement runs under; also the values of the `mlobs_reader` profile. */
export const READ_LIMITS = { max_execution_time: 60, max_result_rows: 1_000_000, result_overflow_mode: 'throw' } as const;

/** The settings profile the deploy files give the reader user (deploy/clickhouse/users.d/mlobs.xml). */
export const READER_PROFILE = { readonly: 1, ...READ_LIMITS } as const;

export type ReaderRequestSettings = Record<string, string | number>;

/** The reader user's settings as the server reports them (`getSetting`, as text). */
export interface ReaderProfile {
  readonly: string;
  max_execution_time: string;
  max_result_rows: string;
  result_overflow_mode: string;
}

/** The query that reads the settings in force for the reader; asked once bare, once with the per-request settings. */
export const PROFILE_QUERY =
  "SELECT toString(getSetting('readonly')) AS readonly, toString(getSetting('max_execution_time')) AS max_execution_time, " +
  "toString(getSetting('max_result_rows')) AS max_result_rows, toString(getSetting('result_overflow_mode')) AS result_overflow_mode";

const badConfig = (message: string) => new MlobsError(message, { reason: 'bad_config', retryable: false });
const HOW = 'give the reader user the settings profile mlobs_reader (deploy/clickhouse/users.d/mlobs.xml)';

/** The settings each read-only request sends, from the reader user's own profile (asked with no settings sent). */
export function readerRequestSettings(user: string, profile: ReaderProfile): ReaderRequestSettings {
  const level = Number(profile.readonly);
  if (level === 0) return { ...READ_LIMITS, readonly: 1 };
  if (level === 1) return { readonly: 1 };
  throw badConfig(
    `ClickHouse user ${user} runs at readonly = ${profile.readonly}, which still runs table functions (file, url, s3, remote) and lets a query change its own limits; ` +
      `it cannot be lowered to readonly = 1 per request: ${HOW}, or use a user whose profile is not read-only`,
  );
}

/** Checks the settings in force once the per-request settings are applied: read-only at level 1, with limits. */
export function checkReaderSession(user: string, effective: ReaderProfile): void {
  if (Number(effective.readonly) !== 1) throw badConfig(`ClickHouse user ${user}: read-only requests run at readonly = ${effective.readonly}, not 1; ${HOW}`);
  for (const k of ['max_execution_time', 'max_result_rows'] as const) {
    if (!(Number(effective[k]) > 0)) throw badConfig(`ClickHouse user ${user} is read-only but has no read limit ${k} (it is ${effective[k]}); ${HOW}`);
  }
  if (effective.result_overflow_mode !== 'throw') {
    throw badConfig(`ClickHouse user ${user} has result_overflow_mode = ${effective.result_overflow_mode}: results over the limit would be cut silently; ${HOW}`);
  }
}
