import type { CapturedHeaders } from '@shadowgate/shared'
import { DecodeError } from '../errors.js'
import { boundedInflate, type Compression } from './bounded-inflate.js'

const CODINGS: Readonly<Record<string, Compression | 'identity'>> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  br: 'br',
  deflate: 'deflate',
  identity: 'identity',
}

/** The value of one captured header by case-insensitive name; repeated headers are joined with ", " as HTTP allows. */
export function headerValue(headers: CapturedHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue
    return typeof value === 'string' ? value : value.join(', ')
  }
  return undefined
}

/**
 * Undoes the HTTP content-encoding named by the header (`gzip`, `x-gzip`, `br`, `deflate`, `identity`,
 * or a list such as `deflate, gzip`, undone last-applied first). An unknown coding is
 * DecodeError(`unsupported_encoding`): comparing compressed bytes would report noise, not differences.
 */
export async function decodeContentEncoding(bytes: Buffer, contentEncoding: string | undefined, maxBytes: number, what: string): Promise<Buffer> {
  if (contentEncoding === undefined || bytes.length === 0) return bytes
  const codings = contentEncoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '')
  let out = bytes
  for (const coding of codings.reverse()) {
    const format = Object.hasOwn(CODINGS, coding) ? CODINGS[coding] : undefined
    if (format === undefined) throw new DecodeError('unsupported_encoding', `${what}: unsupported content-encoding ${JSON.stringify(coding)}`)
    if (format === 'identity') continue
    out = await boundedInflate(format, out, maxBytes, what)
  }
  return out
}
