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

/** Runtime settings: the fleet-wide store (Redis) cannot take the change now, so nothing was changed (503). */
export class RuntimeStoreUnavailableError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_RUNTIME_STORE_UNAVAILABLE', 503, message, options)
  }
}

/** Admin API: no endpoint at this method and path. */
export class AdminNotFoundError extends GatewayError {
  constructor(method: string, url: string) {
    super('SG_ADMIN_NOT_FOUND', 404, `no admin endpoint ${method} ${url}`)
  }
}

/** Audit producer: Redis did not take a batch (down, too slow). Never reaches a client; the batch is dropped and counted. */
export class AuditEnqueueError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SG_AUDIT_ENQUEUE', 503, message, options)
  }
}

/**
 * Audit producer: a batch write was sent but Redis did not answer in time (slow, paused, the
 * connection dropped mid-call), so whether Redis ran it is unknown. Never reaches a client; the
 * batch is reconciled by its job id once Redis answers.
 */
export class AuditEnqueueUnknownError extends GatewayError {
  readonly jobId: string
  constructor(jobId: string, message: string, options?: { cause?: unknown }) {
    super('SG_AUDIT_ENQUEUE_UNKNOWN', 503, message, options)
    this.jobId = jobId
  }
}

/** Proxy: the request target cannot be forwarded (e.g. `OPTIONS *`, or not a path): the client gets 400. */
export class InvalidRequestTargetError extends GatewayError {
  constructor(target: string) {
    super('SG_INVALID_REQUEST_TARGET', 400, `request target ${JSON.stringify(target.slice(0, 200))} cannot be forwarded; it must be a path starting with "/" or an absolute http(s) URL`)
  }
}

/** Proxy: a request whose meaning depends on which hop reads it (e.g. two Host headers): 400, forwarded nowhere. */
export class AmbiguousRequestError extends GatewayError {
  constructor(what: string) {
    super('SG_AMBIGUOUS_REQUEST', 400, `the request is ambiguous and is not forwarded: ${what}`)
  }
}

/** Admin API: the Host header names another site (DNS rebinding) or none: 403, nothing is served. */
export class AdminHostNotAllowedError extends GatewayError {
  constructor(message: string) {
    super('SG_ADMIN_HOST_NOT_ALLOWED', 403, message)
  }
}

/** Admin API: a browser page of an origin not in `admin.allowedOrigins` made the request: 403, nothing is changed. */
export class AdminOriginNotAllowedError extends GatewayError {
  constructor(message: string) {
    super('SG_ADMIN_ORIGIN_NOT_ALLOWED', 403, message)
  }
}

/** Admin API: the request target has a malformed percent-encoding: 400. */
export class AdminBadUrlError extends GatewayError {
  constructor(url: string) {
    super('SG_ADMIN_BAD_URL', 400, `the request target ${JSON.stringify(url.slice(0, 200))} is not a valid URL (bad percent-encoding?)`)
  }
}

/** Admin API: a path segment (a route name) longer than any route name can be: 414. */
export class AdminUrlTooLongError extends GatewayError {
  constructor() {
    super('SG_ADMIN_URL_TOO_LONG', 414, 'a path segment of the request target is too long for a route name')
  }
}

/** Admin API: a request body above the admin API's limit: 413. */
export class AdminBodyTooLargeError extends GatewayError {
  constructor(limitBytes: number) {
    super('SG_ADMIN_BODY_TOO_LARGE', 413, `the request body exceeds ${limitBytes} bytes; send JSON such as {"percent": 25, "ttl": "10m"}`)
  }
}

/** Admin API: a request body of a media type the admin API does not read: 415. */
export class AdminUnsupportedMediaTypeError extends GatewayError {
  constructor(contentType: string) {
    super('SG_ADMIN_UNSUPPORTED_MEDIA_TYPE', 415, `content-type ${JSON.stringify(contentType.slice(0, 100))} is not accepted; send application/json`)
  }
}

/** Admin API / runtime: a percent above mirror.maxAmplification × 100: 400, nothing is changed. */
export class PercentAboveMaximumError extends GatewayError {
  constructor(percent: number, maxPercent: number) {
    super('SG_PERCENT_ABOVE_MAX', 400, `percent ${percent} is above the maximum ${maxPercent} (mirror.maxAmplification × 100); nothing was changed`)
  }
}

/** Admin API / runtime: a load ramp request that makes no sense (step <= 0, a target not above the current percent): 400. */
export class InvalidLoadRampError extends GatewayError {
  constructor(message: string) {
    super('SG_INVALID_LOAD_RAMP', 400, message)
  }
}

/** Admin API / runtime: a load ramp on a route that has no shadow to load: 409, nothing is changed. */
export class LoadRampNoShadowError extends GatewayError {
  constructor(route: string) {
    super('SG_LOAD_NO_SHADOW', 409, `route "${route}" has no shadow; a load ramp needs one to send copies to`)
  }
}

/** Admin API / runtime: a load ramp is already running on the route: 409 (stop it first). */
export class LoadRampActiveError extends GatewayError {
  constructor(route: string) {
    super('SG_LOAD_RAMP_ACTIVE', 409, `a load ramp is already running on route "${route}"; stop it first (shadowgate load stop ${route})`)
  }
}

/** Admin API: the write log of a route has no open item with this id (already acknowledged, or never there). */
export class WriteEntryNotFoundError extends GatewayError {
  constructor(route: string, id: string) {
    super('SG_WRITE_ENTRY_NOT_FOUND', 404, `the write log of route "${route}" has no open item ${JSON.stringify(id.slice(0, 100))} (see shadowgate writes status)`)
  }
}

/** Migration stages: the stage named is not one of passthrough, shadow, canary, final (400). */
export class UnknownStageError extends GatewayError {
  constructor(stage: unknown) {
    super('SG_UNKNOWN_STAGE', 400, `unknown stage ${JSON.stringify(stage)}: use passthrough, shadow, canary or final`)
  }
}

/** Migration stages: the serve percent is not a number from 0 to 100 (400). */
export class InvalidServePercentError extends GatewayError {
  constructor(value: unknown) {
    super('SG_INVALID_SERVE_PERCENT', 400, `serve must be a number between 0 and 100 (got ${JSON.stringify(value)})`)
  }
}

/**
 * Migration stages: this gateway has no fleet-wide store (Redis), so a stage change would reach
 * this instance only while the others keep serving from another side; refused, nothing changed (409).
 */
export class StageNeedsRedisError extends GatewayError {
  constructor() {
    super('SG_STAGE_NEEDS_REDIS', 409, 'stage changes need Redis (set redis.url): without it each gateway serves its config file stage, and a change here would not reach the other instances; nothing was changed')
  }
}

/** Migration stages: the route is not in the stage the caller expected (compare-and-set lost), nothing changed (409). */
export class StageConflictError extends GatewayError {
  constructor(route: string, expected: string, actual: string) {
    super('SG_STAGE_CONFLICT', 409, `route "${route}" is in stage ${actual}, not ${expected}; nothing was changed`)
  }
}

/** Migration stages: the route has no earlier stage to roll back to (409). */
export class NoStageToRollBackError extends GatewayError {
  constructor(route: string, stage: string) {
    super('SG_NO_STAGE_HISTORY', 409, `route "${route}" has no earlier stage to roll back to (it is in ${stage}, as set by the config file or as far back as the kept history goes); nothing was changed`)
  }
}

/** Cut-over: another cut-over of this route is running (on any gateway); nothing was changed (409). */
export class CutoverInProgressError extends GatewayError {
  constructor(route: string) {
    super('SG_CUTOVER_IN_PROGRESS', 409, `a cut-over of route "${route}" is already running; wait for its outcome; nothing was changed`)
  }
}

/** Cut-over: the route's last committed cut-over is more recent than cutover.minTimeBetweenFlips (429). */
export class CutoverTooSoonError extends GatewayError {
  constructor(route: string, waitMs: number) {
    super('SG_CUTOVER_TOO_SOON', 429, `route "${route}" was cut over less than cutover.minTimeBetweenFlips ago; try again in ${Math.ceil(waitMs / 1000)} s; nothing was changed`)
  }
}

/** Cut-over: the route is in passthrough, where nothing is compared; move it to shadow first (409). */
export class CutoverFromPassthroughError extends GatewayError {
  constructor(route: string) {
    super('SG_CUTOVER_PASSTHROUGH', 409, `route "${route}" is in passthrough: nothing has been compared on the new side; move it to shadow first (shadowgate migrate stage ${route} shadow); nothing was changed`)
  }
}

/** Cut-over: the route cannot go from its stage to the one asked (already there, or no new side) (409). */
export class CutoverStageError extends GatewayError {
  constructor(route: string, message: string) {
    super('SG_CUTOVER_STAGE', 409, `route "${route}": ${message}; nothing was changed`)
  }
}
