import { describe, expect, it } from 'vitest'
import {
  ApiBadRequestError,
  ApiHostNotAllowedError,
  ApiNotFoundError,
  ApiOriginNotAllowedError,
  AuditApiError,
  AuditError,
  CliUsageError,
  DecodeError,
  DiffBudgetError,
  GateStoredSettingError,
  InfluxWriteError,
} from '@shadowgate/audit-service'

// Callers match on `code`: the codes are a contract, listed once here.
describe('audit-service errors', () => {
  it.each([
    [new DecodeError('too_deep', 'JSON nesting exceeds 512 levels'), 'SG_DECODE_FAILED'],
    [new DiffBudgetError('diff exceeded 2000 ms'), 'SG_DIFF_BUDGET'],
    [new InfluxWriteError('influx is down'), 'SG_INFLUX_WRITE'],
    [new CliUsageError('unknown option --x'), 'SG_CLI_USAGE'],
    [new AuditApiError('SG_AUDIT_API_INTERNAL', 500, 'failed'), 'SG_AUDIT_API_INTERNAL'],
    [new ApiHostNotAllowedError('Host "x" does not name this listener'), 'SG_AUDIT_API_HOST_NOT_ALLOWED'],
    [new ApiOriginNotAllowedError('Origin "x" is not allowed'), 'SG_AUDIT_API_ORIGIN_NOT_ALLOWED'],
    [new ApiBadRequestError('limit must be…'), 'SG_AUDIT_API_BAD_REQUEST'],
    [new ApiNotFoundError('GET', '/x'), 'SG_AUDIT_API_NOT_FOUND'],
    [new GateStoredSettingError('orders', 'is not JSON'), 'SG_GATE_STORED_SETTING'],
  ])('%s has code %s', (err, code) => {
    expect(err).toBeInstanceOf(AuditError)
    expect(err.code).toBe(code)
    expect(err.name).toBe(err.constructor.name)
  })

  it.each([
    [new ApiHostNotAllowedError('x'), 403],
    [new ApiOriginNotAllowedError('x'), 403],
    [new ApiBadRequestError('x'), 400],
    [new ApiBadRequestError('x', 413), 413],
    [new ApiNotFoundError('GET', '/x'), 404],
  ])('%s answers HTTP %i', (err, status) => {
    expect(err).toBeInstanceOf(AuditApiError)
    expect(err.statusCode).toBe(status)
  })

  it('keeps the decode sub-reason for the verdict', () => {
    expect(new DecodeError('decompressed_too_large', 'x').reason).toBe('decompressed_too_large')
  })
})
