import {
  AdminBadUrlError,
  AdminBodyTooLargeError,
  AdminUnsupportedMediaTypeError,
  AdminUrlTooLongError,
  GatewayError,
  InvalidSettingError,
} from '../errors.js'

/** Fastify's own errors: `code` FST_ERR_*, an HTTP status, and a message meant for developers. */
export type FrameworkError = Error & { code?: string; statusCode?: number }

/** The admin API's only bodies are mirror settings: every hint shows one. */
const BODY_HINT = 'send JSON such as {"percent": 25, "ttl": "10m"}'

/**
 * The product error for one of Fastify's own refusals (router, body parser), so every admin
 * answer has the shape `{"error":{"code","message"}}`; undefined for anything that is not a
 * client error (the caller logs it and answers 500).
 */
export function adminFrameworkError(err: FrameworkError, req: { url: string; headers: Record<string, string | string[] | undefined> }, bodyLimit: number): GatewayError | undefined {
  if (err instanceof GatewayError) return err
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return new AdminBadUrlError(req.url)
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AdminUrlTooLongError()
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AdminBodyTooLargeError(bodyLimit)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = req.headers['content-type']
      return new AdminUnsupportedMediaTypeError(typeof type === 'string' ? type : '')
    }
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new InvalidSettingError(`${err.message}: ${BODY_HINT}`)
  return undefined
}
