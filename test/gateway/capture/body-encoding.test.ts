import { randomBytes } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { EncodedBody } from '@shadowgate/shared'
import { encodeBody } from '../../../gateway/src/capture/body-encoding.js'

function decode(b: EncodedBody): Buffer {
  if (b.encoding === 'utf8') return Buffer.from(b.data, 'utf8')
  if (b.encoding === 'base64') return Buffer.from(b.data, 'base64')
  return gunzipSync(Buffer.from(b.data, 'base64'))
}

describe('encodeBody', () => {
  it('carries small valid UTF-8 as utf8', async () => {
    const body = Buffer.from('{"name":"café ☕"}')
    const enc = await encodeBody(body, false, 2048)
    expect(enc).toEqual({ encoding: 'utf8', data: '{"name":"café ☕"}', size: body.length, truncated: false })
  })

  it('carries invalid UTF-8 as base64, byte-exact', async () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41])
    const enc = await encodeBody(body, false, 2048)
    expect(enc.encoding).toBe('base64')
    expect(decode(enc).equals(body)).toBe(true)
  })

  it('compresses above the threshold when that pays, and round-trips', async () => {
    const body = Buffer.from(JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ i, name: 'same text again' })) }))
    const enc = await encodeBody(body, true, 2048)
    expect(enc.encoding).toBe('gzip+base64')
    expect(enc.size).toBe(body.length)
    expect(enc.truncated).toBe(true)
    expect(enc.data.length).toBeLessThan(body.length)
    expect(decode(enc).equals(body)).toBe(true)
  })

  it('does not compress at or below the threshold', async () => {
    const body = Buffer.from('a'.repeat(2048))
    expect((await encodeBody(body, false, 2048)).encoding).toBe('utf8')
  })

  it('keeps an already gzip-encoded HTTP body as base64 when gzip would not shrink it', async () => {
    const random = randomBytes(8192)
    const httpGzip = gzipSync(random)
    const enc = await encodeBody(httpGzip, false, 100)
    expect(enc.encoding).toBe('base64')
    expect(gunzipSync(decode(enc)).equals(random)).toBe(true)
  })

  it('encodes an empty body as empty utf8', async () => {
    expect(await encodeBody(Buffer.alloc(0), false, 0)).toEqual({ encoding: 'utf8', data: '', size: 0, truncated: false })
  })
})
