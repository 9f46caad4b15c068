import { randomBytes } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { BinaryEncodedBody } from '@shadowgate/shared'
import { encodeBody } from '../../../gateway/src/capture/body-encoding.js'

function decode(b: BinaryEncodedBody): Buffer {
  const bytes = Buffer.from(b.data)
  return b.encoding === 'raw' ? bytes : gunzipSync(bytes)
}

describe('encodeBody', () => {
  it('carries a small body as its raw bytes, text or not', async () => {
    for (const body of [Buffer.from('{"name":"café ☕"}'), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41])]) {
      const enc = await encodeBody(body, false, 2048)
      expect(enc).toEqual({ encoding: 'raw', data: body, size: body.length, truncated: false })
      expect(decode(enc).equals(body)).toBe(true)
    }
  })

  it('compresses above the threshold when that pays, and round-trips', async () => {
    const body = Buffer.from(JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ i, name: 'same text again' })) }))
    const enc = await encodeBody(body, true, 2048)
    expect(enc.encoding).toBe('gzip')
    expect(enc.size).toBe(body.length)
    expect(enc.truncated).toBe(true)
    expect(enc.data.length).toBeLessThan(body.length)
    expect(decode(enc).equals(body)).toBe(true)
  })

  it('does not compress at or below the threshold', async () => {
    const body = Buffer.from('a'.repeat(2048))
    expect((await encodeBody(body, false, 2048)).encoding).toBe('raw')
  })

  it('keeps an already gzip-encoded HTTP body raw when gzip would not shrink it', async () => {
    const random = randomBytes(8192)
    const httpGzip = gzipSync(random)
    const enc = await encodeBody(httpGzip, false, 100)
    expect(enc.encoding).toBe('raw')
    expect(gunzipSync(decode(enc)).equals(random)).toBe(true)
  })

  it('encodes an empty body as empty raw bytes', async () => {
    expect(await encodeBody(Buffer.alloc(0), false, 0)).toEqual({ encoding: 'raw', data: Buffer.alloc(0), size: 0, truncated: false })
  })
})
