import { gzip } from 'node:zlib'
import { promisify } from 'node:util'
import type { BinaryEncodedBody } from '@shadowgate/shared'

const gzipAsync = promisify(gzip)

/**
 * Turns a captured body into the form a binary batch carries: the bytes as captured (`raw`, no copy:
 * the batch's encoder copies them once into the batch), or `gzip` when the body is above
 * `compressAboveBytes` and the compressed form is shorter. Compression runs on libuv's thread pool,
 * so a large body never stalls the event loop that serves client requests.
 *
 * The body's own HTTP content-encoding (a gzip response) is left as it is: the worker undoes it
 * with the captured content-encoding header.
 */
export async function encodeBody(body: Buffer, truncated: boolean, compressAboveBytes: number): Promise<BinaryEncodedBody> {
  if (!worthCompressing(body, compressAboveBytes)) return encodeBodyNow(body, truncated)
  const packed = await gzipAsync(body)
  if (packed.length < body.length) return { encoding: 'gzip', data: packed, size: body.length, truncated }
  return encodeBodyNow(body, truncated)
}

/** Whether encodeBody would try compression; when not, encodeBodyNow gives the same result without a promise. */
export function worthCompressing(body: Buffer, compressAboveBytes: number): boolean {
  return body.length > compressAboveBytes && body.length > 0
}

/** encodeBody for a body that is not worth compressing (see worthCompressing), synchronously. */
export function encodeBodyNow(body: Buffer, truncated: boolean): BinaryEncodedBody {
  return { encoding: 'raw', data: body, size: body.length, truncated }
}
