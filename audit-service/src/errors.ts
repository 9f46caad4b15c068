import { maskUrlCredentials } from '@shadowgate/shared'

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

/** The worker's HTTP API refused a request; `statusCode` is the answer's status, `code` is in its body. */
export class AuditApiError extends AuditError {
  readonly statusCode: number
  constructor(code: string, statusCode: number, message: string) {
    super(code, message)
    this.statusCode = statusCode
  }
}

/** HTTP API: the Host header names another site (DNS rebinding) or none: 403. */
export class ApiHostNotAllowedError extends AuditApiError {
  constructor(message: string) {
    super('SG_AUDIT_API_HOST_NOT_ALLOWED', 403, message)
  }
}

/** HTTP API: a browser page of an origin not in `worker.http.allowedOrigins` made the request: 403. */
export class ApiOriginNotAllowedError extends AuditApiError {
  constructor(message: string) {
    super('SG_AUDIT_API_ORIGIN_NOT_ALLOWED', 403, message)
  }
}

/** HTTP API: a malformed request (query, URL, body) or one the router or HTTP parser refused: 4xx. */
export class ApiBadRequestError extends AuditApiError {
  constructor(message: string, statusCode = 400) {
    super('SG_AUDIT_API_BAD_REQUEST', statusCode, message)
  }
}

/** HTTP API: no endpoint at this method and path: 404. */
/** Audit API: no valid bearer token (worker.http.token), or a non-loopback caller when none is configured. */
export class ApiUnauthorizedError extends AuditApiError {
  constructor() {
    super('SG_AUDIT_API_UNAUTHORIZED', 401, 'a valid bearer token is required (worker.http.token; the CLI reads SHADOWGATE_WORKER_TOKEN)')
  }
}

export class ApiNotFoundError extends AuditApiError {
  constructor(method: string, url: string) {
    super('SG_AUDIT_API_NOT_FOUND', 404, `no endpoint ${method} ${url.slice(0, 200)}; the API serves GET /mismatches, /healthz and /metrics`)
  }
}

/** A service the command needs (Redis, an audit worker's API) could not be reached; the message names it, credentials masked. */
export class ConnectionFailedError extends AuditError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_CONNECTION_FAILED', message, options)
  }

  /** "cannot reach <what> (<why>)" from a client library's error (ioredis, fetch): its `cause` code when there is one. */
  static reaching(what: string, err: unknown): ConnectionFailedError {
    const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
    const code = (err as { code?: unknown } | undefined)?.code
    const why =
      typeof cause?.code === 'string' ? cause.code : typeof code === 'string' ? code : typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err)
    return new ConnectionFailedError(`cannot reach ${maskUrlCredentials(what)} (${why})`, { cause: err })
  }
}

/** A route's stored runtime setting (read from Redis) is not one the gate can read, so it changes nothing. */
export class GateStoredSettingError extends AuditError {
  constructor(route: string, problem: string) {
    super('SG_GATE_STORED_SETTING', `the stored runtime setting of route ${route} ${problem}; the gate changes nothing`)
  }
}
