import type { UpstreamErrorKind } from '@shadowgate/shared'

function codeOf(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  if (code !== undefined) return code
  // Some connect failures arrive wrapped (AggregateError of every address tried, or a cause).
  const cause = (err as { cause?: unknown }).cause
  if (cause !== undefined) return codeOf(cause)
  const errors = (err as { errors?: unknown }).errors
  return Array.isArray(errors) ? codeOf(errors[0]) : undefined
}

/** Maps an undici / socket error to the taxonomy used in metrics and audit jobs. */
export function upstreamErrorKind(err: unknown): UpstreamErrorKind {
  switch (codeOf(err)) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout'
    case 'ECONNREFUSED':
      return 'refused'
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'HPE_INVALID_CHUNK_SIZE':
      return 'reset'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return 'dns'
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_ABORT':
    case 'ABORT_ERR':
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      return 'aborted'
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
    case 'UND_ERR_HEADERS_OVERFLOW':
      return 'too_large'
    default:
      return 'other'
  }
}
