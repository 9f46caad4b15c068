import type { EncodedBody } from '@shadowgate/shared'
import { DecodeError } from '../errors.js'
import { boundedInflate } from './bounded-inflate.js'

/**
 * Undoes the queue transport encoding of a captured body (raw bytes, gzip bytes, utf8 text, base64,
 * or gzip then base64),
 * giving the bytes exactly as the upstream sent them (still under any HTTP content-encoding).
 * Never yields more than `maxBytes` bytes: larger bodies are DecodeError(`body_too_large`), and a
 * gzip transport that would inflate beyond it is DecodeError(`decompressed_too_large`).
 */
export async function decodeTransport(body: EncodedBody, maxBytes: number, what: string): Promise<Buffer> {
  if (body.encoding === 'raw' || body.encoding === 'gzip') {
    if (!(body.data instanceof Uint8Array)) throw new DecodeError('bad_transport', `${what}: body data is not bytes`)
    const raw = Buffer.from(body.data.buffer, body.data.byteOffset, body.data.byteLength)
    if (body.encoding === 'gzip') return boundedInflate('gzip', raw, maxBytes, `${what} (transport)`)
    if (raw.length > maxBytes) throw new DecodeError('body_too_large', `${what}: body of ${raw.length} bytes exceeds ${maxBytes} bytes`)
    return raw
  }
  if (typeof body.data !== 'string') throw new DecodeError('bad_transport', `${what}: body data is not a string`)
  let bytes: Buffer
  switch (body.encoding) {
    case 'utf8':
      bytes = Buffer.from(body.data, 'utf8')
      break
    case 'base64':
    case 'gzip+base64':
      // Checked before decoding: 4 base64 characters carry 3 bytes, so an oversized body is refused unread.
      if (body.encoding === 'base64' && Math.floor((body.data.length * 3) / 4) - 2 > maxBytes) {
        throw new DecodeError('body_too_large', `${what}: body exceeds ${maxBytes} bytes`)
      }
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.data) || body.data.length % 4 === 1) {
        throw new DecodeError('bad_transport', `${what}: body data is not valid base64`)
      }
      bytes = Buffer.from(body.data, 'base64')
      break
    case 'same-as-primary':
      // parseAuditJob resolves the reference; meeting it here means a job that skipped parsing.
      throw new DecodeError('bad_transport', `${what}: a same-as-primary reference was not resolved against the primary body`)
    default:
      throw new DecodeError('bad_transport', `${what}: unknown body encoding ${JSON.stringify((body as { encoding: unknown }).encoding)}`)
  }
  if (body.encoding === 'gzip+base64') return boundedInflate('gzip', bytes, maxBytes, `${what} (transport)`)
  if (bytes.length > maxBytes) throw new DecodeError('body_too_large', `${what}: body of ${bytes.length} bytes exceeds ${maxBytes} bytes`)
  return bytes
}
