/**
 * Errors of the audit service. Callers match on `code`; the table test in
 * test/audit-service/errors.test.ts lists every class with its code.
 */
export class AuditError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A body could not be decoded (bad gzip, decompressed size over the limit, invalid JSON, too deep). */
export class DecodeError extends AuditError {
  /** Machine-readable sub-reason, used as the verdict reason: `decompressed_too_large`, `bad_encoding`, `invalid_json`, `too_deep`, ... */
  readonly reason: string
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('SG_DECODE_FAILED', message, options)
    this.reason = reason
  }
}

/** A diff exceeded its time or size budget. */
export class DiffBudgetError extends AuditError {
  constructor(message: string) {
    super('SG_DIFF_BUDGET', message)
  }
}

/** InfluxDB rejected or could not take writes (after retries). */
export class InfluxWriteError extends AuditError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_INFLUX_WRITE', message, options)
  }
}

/** A command line that cannot be run: unknown flag, missing or malformed value. */
export class CliUsageError extends AuditError {
  constructor(message: string) {
    super('SG_CLI_USAGE', message)
  }
}

/** A route's stored runtime setting (read from Redis) is not one the gate can read, so it changes nothing. */
export class GateStoredSettingError extends AuditError {
  constructor(route: string, problem: string) {
    super('SG_GATE_STORED_SETTING', `the stored runtime setting of route ${route} ${problem}; the gate changes nothing`)
  }
}
