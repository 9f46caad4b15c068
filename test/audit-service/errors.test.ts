import { describe, expect, it } from 'vitest'
import { AuditError, CliUsageError, DecodeError, DiffBudgetError, GateStoredSettingError, InfluxWriteError } from '@shadowgate/audit-service'

// Callers match on `code`: the codes are a contract, listed once here.
describe('audit-service errors', () => {
  it.each([
    [new DecodeError('too_deep', 'JSON nesting exceeds 512 levels'), 'SG_DECODE_FAILED'],
    [new DiffBudgetError('diff exceeded 2000 ms'), 'SG_DIFF_BUDGET'],
    [new InfluxWriteError('influx is down'), 'SG_INFLUX_WRITE'],
    [new CliUsageError('unknown option --x'), 'SG_CLI_USAGE'],
    [new GateStoredSettingError('orders', 'is not JSON'), 'SG_GATE_STORED_SETTING'],
  ])('%s has code %s', (err, code) => {
    expect(err).toBeInstanceOf(AuditError)
    expect(err.code).toBe(code)
    expect(err.name).toBe(err.constructor.name)
  })

  it('keeps the decode sub-reason for the verdict', () => {
    expect(new DecodeError('decompressed_too_large', 'x').reason).toBe('decompressed_too_large')
  })
})
