import { isUtf8 } from 'node:buffer'
import { gzip } from 'node:zlib'
import { promisify } from 'node:util'
import type { EncodedBody } from '@shadowgate/shared'

const gzipAsync = promisify(gzip)

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4
}

/**
 * Turns a captured body into the string form jobs carry: `utf8` when the bytes are valid UTF-8,
 * `base64` otherwise, and `gzip+base64` when the body is above `compressAboveBytes` and the
 * compressed form is shorter than the plain one. Compression runs on libuv's thread pool, so a
 * large body never stalls the event loop that serves client requests.
 *
 * The body's own HTTP content-encoding (a gzip response) is left as it is: the worker undoes it
 * with the captured content-encoding header.
 */
export async function encodeBody(body: Buffer, truncated: boolean, compressAboveBytes: number): Promise<EncodedBody> {
  if (!worthCompressing(body, compressAboveBytes)) return encodePlain(body, truncated, isUtf8(body))
  const size = body.length
  const text = isUtf8(body)
  const packed = await gzipAsync(body)
  if (base64Length(packed.length) < (text ? size : base64Length(size))) return { encoding: 'gzip+base64', data: packed.toString('base64'), size, truncated }
  return encodePlain(body, truncated, text)
}

/** Whether encodeBody would try compression; when not, encodeBodyNow gives the same result without a promise. */
export function worthCompressing(body: Buffer, compressAboveBytes: number): boolean {
  return body.length > compressAboveBytes && body.length > 0
}

/** encodeBody for a body that is not worth compressing (see worthCompressing), synchronously. */
export function encodeBodyNow(body: Buffer, truncated: boolean): EncodedBody {
  return encodePlain(body, truncated, isUtf8(body))
}

function encodePlain(body: Buffer, truncated: boolean, text: boolean): EncodedBody {
  const size = body.length
  if (size === 0) return { encoding: 'utf8', data: '', size, truncated }
  return text ? { encoding: 'utf8', data: body.toString('utf8'), size, truncated } : { encoding: 'base64', data: body.toString('base64'), size, truncated }
}
