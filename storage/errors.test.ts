import { describe, expect, it } from 'vitest';
import { MlobsError } from '../core/errors.js';
import { classifyClickHouseError } from './errors.js';

// The shape clickhouse-js (and chdb's connection) give an engine error: a message, a numeric code as a string, a type.
const engine = (code: number, type: string) => Object.assign(new Error(`engine said ${type}`), { code: String(code), type });

describe('classifying storage failures', () => {
  it.each([
    [engine(62, 'SYNTAX_ERROR'), false, 'syntax_error'],
    [engine(395, 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO'), false, 'function_throw_if_value_is_non_zero'],
    [engine(306, 'TOO_DEEP_RECURSION'), false, 'too_deep_recursion'],
    [engine(73, 'UNKNOWN_FORMAT'), false, 'unknown_format'],
    [engine(241, 'MEMORY_LIMIT_EXCEEDED'), true, 'memory_limit_exceeded'],
    [engine(202, 'TOO_MANY_SIMULTANEOUS_QUERIES'), true, 'too_many_simultaneous_queries'],
    [new Error('Code: 252. DB::Exception: Too many parts'), true, 'engine_code_252'],
    [new Error('Code: 27. DB::Exception: Cannot parse input'), false, 'engine_code_27'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }), true, 'econnrefused'],
    [new SyntaxError('Unexpected end of JSON input'), true, 'storage_unavailable'],
  ])('treats %s as retryable=%s with reason %s', (e, retryable, reason) => {
    const err = classifyClickHouseError(e, 'query failed');
    expect(err).toBeInstanceOf(MlobsError);
    expect(err.retryable).toBe(retryable);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(/^query failed: /);
  });

  it('treats an engine error it does not know as the statement being wrong, not as an outage', () => {
    expect(classifyClickHouseError(engine(4242, 'SOME_FUTURE_ERROR'), 'x').retryable).toBe(false);
  });
});
