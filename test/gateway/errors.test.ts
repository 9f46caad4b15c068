import { describe, expect, it } from 'vitest'
import {
  AdminBadUrlError,
  AdminBodyTooLargeError,
  AdminHostNotAllowedError,
  AdminNotFoundError,
  AdminOriginNotAllowedError,
  AdminUnsupportedMediaTypeError,
  AdminUrlTooLongError,
  AdminUnauthorizedError,
  AmbiguousRequestError,
  AuditEnqueueError,
  AuditEnqueueUnknownError,
  CutoverFromPassthroughError,
  CutoverInProgressError,
  CutoverStageError,
  CutoverTooSoonError,
  GatewayError,
  InvalidRequestTargetError,
  InvalidLoadRampError,
  InvalidServePercentError,
  InvalidSettingError,
  LoadRampActiveError,
  LoadRampNoShadowError,
  PercentAboveMaximumError,
  NoStageToRollBackError,
  RuntimeStoreUnavailableError,
  StageConflictError,
  StageNeedsRedisError,
  UnknownRouteError,
  UnknownStageError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  WriteEntryNotFoundError,
} from '@shadowgate/gateway'

// Callers match on `code` and clients see `statusCode`: both are a contract, listed once here.
describe('gateway errors', () => {
  it.each([
    [new UpstreamUnavailableError('refused'), 'SG_UPSTREAM_UNAVAILABLE', 502],
    [new UpstreamTimeoutError('slow'), 'SG_UPSTREAM_TIMEOUT', 504],
    [new AdminUnauthorizedError(), 'SG_ADMIN_UNAUTHORIZED', 401],
    [new UnknownRouteError('nope'), 'SG_UNKNOWN_ROUTE', 404],
    [new InvalidSettingError('percent must be between 0 and 100'), 'SG_INVALID_SETTING', 400],
    [new RuntimeStoreUnavailableError('redis is down'), 'SG_RUNTIME_STORE_UNAVAILABLE', 503],
    [new AdminNotFoundError('GET', '/x'), 'SG_ADMIN_NOT_FOUND', 404],
    [new AuditEnqueueError('redis is down'), 'SG_AUDIT_ENQUEUE', 503],
    [new AuditEnqueueUnknownError('b-1', 'no answer'), 'SG_AUDIT_ENQUEUE_UNKNOWN', 503],
    [new InvalidRequestTargetError('*'), 'SG_INVALID_REQUEST_TARGET', 400],
    [new AmbiguousRequestError('two Host headers'), 'SG_AMBIGUOUS_REQUEST', 400],
    [new AdminHostNotAllowedError('Host "rebind.example" does not name this listener'), 'SG_ADMIN_HOST_NOT_ALLOWED', 403],
    [new AdminOriginNotAllowedError('Origin "http://x" is not allowed'), 'SG_ADMIN_ORIGIN_NOT_ALLOWED', 403],
    [new AdminBadUrlError('/%zz'), 'SG_ADMIN_BAD_URL', 400],
    [new AdminUrlTooLongError(), 'SG_ADMIN_URL_TOO_LONG', 414],
    [new AdminBodyTooLargeError(16_384), 'SG_ADMIN_BODY_TOO_LARGE', 413],
    [new AdminUnsupportedMediaTypeError('application/xml'), 'SG_ADMIN_UNSUPPORTED_MEDIA_TYPE', 415],
    [new PercentAboveMaximumError(1_500, 1_000), 'SG_PERCENT_ABOVE_MAX', 400],
    [new InvalidLoadRampError('step must be a percent above 0'), 'SG_INVALID_LOAD_RAMP', 400],
    [new LoadRampNoShadowError('users'), 'SG_LOAD_NO_SHADOW', 409],
    [new LoadRampActiveError('users'), 'SG_LOAD_RAMP_ACTIVE', 409],
    [new WriteEntryNotFoundError('items', '1-0'), 'SG_WRITE_ENTRY_NOT_FOUND', 404],
    [new UnknownStageError('blue'), 'SG_UNKNOWN_STAGE', 400],
    [new InvalidServePercentError(101), 'SG_INVALID_SERVE_PERCENT', 400],
    [new StageNeedsRedisError(), 'SG_STAGE_NEEDS_REDIS', 409],
    [new StageConflictError('orders', 'shadow', 'canary'), 'SG_STAGE_CONFLICT', 409],
    [new NoStageToRollBackError('orders', 'shadow'), 'SG_NO_STAGE_HISTORY', 409],
    [new CutoverInProgressError('orders'), 'SG_CUTOVER_IN_PROGRESS', 409],
    [new CutoverTooSoonError('orders', 1_500), 'SG_CUTOVER_TOO_SOON', 429],
    [new CutoverFromPassthroughError('orders'), 'SG_CUTOVER_PASSTHROUGH', 409],
    [new CutoverStageError('orders', 'it is in final already'), 'SG_CUTOVER_STAGE', 409],
  ])('%s has code %s and status %i', (err, code, status) => {
    expect(err).toBeInstanceOf(GatewayError)
    expect(err).toBeInstanceOf(Error)
    expect(err.code).toBe(code)
    expect(err.statusCode).toBe(status)
    expect(err.name).toBe(err.constructor.name)
    expect(err.message.length).toBeGreaterThan(0)
  })

  it('names what was wrong', () => {
    expect(new UnknownRouteError('orders').message).toBe('no route rule is named "orders"')
    expect(new UnknownStageError('blue').message).toContain('"blue"')
    expect(new InvalidServePercentError(101).message).toContain('101')
  })
})
