/**
 * Errors of the gateway. Callers match on `code`; the table test in test/gateway/errors.test.ts
 * lists every class with its code and HTTP status.
 */
export class GatewayError extends Error {
  readonly code: string
  /** HTTP status the gateway answers with when this error ends a client request. */
  readonly statusCode: number
  constructor(code: string, statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.statusCode = statusCode
    this.name = new.target.name
  }
}

/** The primary upstream could not be reached (refused, reset, DNS): the client gets 502. */
export class UpstreamUnavailableError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_UPSTREAM_UNAVAILABLE', 502, message, options)
  }
}

/** The primary upstream did not answer in time: the client gets 504. */
export class UpstreamTimeoutError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_UPSTREAM_TIMEOUT', 504, message, options)
  }
}

/** Admin API: missing or wrong bearer token. */
export class AdminUnauthorizedError extends GatewayError {
  constructor() {
    super('SG_ADMIN_UNAUTHORIZED', 401, 'a valid bearer token is required')
  }
}

/** Admin API / runtime: no route rule has this name. */
export class UnknownRouteError extends GatewayError {
  constructor(route: string) {
    super('SG_UNKNOWN_ROUTE', 404, `no route rule is named "${route}"`)
  }
}

/** Admin API / runtime: a runtime setting is out of range (e.g. percent above 100). */
export class InvalidSettingError extends GatewayError {
  constructor(message: string) {
    super('SG_INVALID_SETTING', 400, message)
  }
}
