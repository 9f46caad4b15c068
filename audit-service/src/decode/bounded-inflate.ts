import { brotliDecompress, gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib'
import { DecodeError } from '../errors.js'

/** Compression formats the judge can undo. `deflate` accepts both zlib-wrapped and raw streams (servers send both). */
export type Compression = 'gzip' | 'br' | 'deflate'

type ZlibCall = (buf: InputType, options: ZlibOptions, callback: (error: Error | null, result: Buffer) => void) => void

function call(fn: ZlibCall, bytes: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fn(bytes, { maxOutputLength }, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

/** RFC 1950 header check: CM = 8 (deflate) and the 16-bit header is a multiple of 31. */
function isZlibWrapped(bytes: Buffer): boolean {
  const cmf = bytes[0]
  const flg = bytes[1]
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0
}

/**
 * Decompresses `bytes` on the libuv thread pool (the worker's event loop keeps serving while a large
 * body inflates) and stops as soon as the output would exceed `maxBytes`, so a compression bomb costs
 * at most `maxBytes` of memory and becomes DecodeError(`decompressed_too_large`) instead of an OOM.
 * Corrupt input becomes DecodeError(`bad_encoding`); `what` names the body in messages.
 */
export async function boundedInflate(format: Compression, bytes: Buffer, maxBytes: number, what: string): Promise<Buffer> {
  // zlib refuses a maxOutputLength below 1; an empty limit still has to reject any output.
  const limit = Math.max(1, maxBytes)
  let out: Buffer
  try {
    if (format === 'gzip') out = await call(gunzip as ZlibCall, bytes, limit)
    else if (format === 'br') out = await call(brotliDecompress as ZlibCall, bytes, limit)
    else out = await call((isZlibWrapped(bytes) ? inflate : inflateRaw) as ZlibCall, bytes, limit)
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecodeError('decompressed_too_large', `${what}: ${format} output exceeds ${maxBytes} bytes`, { cause: error })
    }
    throw new DecodeError('bad_encoding', `${what}: not valid ${format} data (${(error as Error).message})`, { cause: error })
  }
  if (out.length > maxBytes) throw new DecodeError('decompressed_too_large', `${what}: ${format} output exceeds ${maxBytes} bytes`)
  return out
}
