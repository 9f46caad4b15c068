import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeTransport } from '../../../audit-service/src/decode/decode-transport.js'
import { DecodeError } from '../../../audit-service/src/errors.js'
import { encodeBody } from '../job-fixtures.js'

const bytes = Buffer.from('héllo {"a":1}', 'utf8')

describe('decodeTransport', () => {
  it.each(['utf8', 'base64', 'gzip+base64'] as const)('undoes %s', async (t) => {
    expect((await decodeTransport(encodeBody(bytes, t), 1000, 'body')).equals(bytes)).toBe(true)
  })

  it('refuses a body over the limit before decoding it', async () => {
    const err = await decodeTransport(encodeBody(Buffer.alloc(5000), 'base64'), 1000, 'body').catch((e: unknown) => e)
    expect((err as DecodeError).reason).toBe('body_too_large')
  })

  it('bounds the gzip transport like a content-encoding', async () => {
    const body = { encoding: 'gzip+base64' as const, data: gzipSync(Buffer.alloc(10_000_000)).toString('base64'), size: 10_000_000, truncated: false }
    const err = await decodeTransport(body, 1000, 'body').catch((e: unknown) => e)
    expect((err as DecodeError).reason).toBe('decompressed_too_large')
  })

  it('names invalid base64 and unknown encodings', async () => {
    const bad = await decodeTransport({ encoding: 'base64', data: 'not base64!', size: 3, truncated: false }, 1000, 'body').catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(DecodeError)
    expect((bad as DecodeError).reason).toBe('bad_transport')
    const unknown = await decodeTransport({ encoding: 'zstd' as 'utf8', data: 'x', size: 1, truncated: false }, 1000, 'body').catch((e: unknown) => e)
    expect((unknown as DecodeError).reason).toBe('bad_transport')
    expect((unknown as DecodeError).message).toContain('zstd')
  })

  it('refuses a same-as-primary reference that parsing did not resolve', async () => {
    const err = await decodeTransport({ encoding: 'same-as-primary', data: '', size: 3, truncated: false }, 1000, 'shadow body').catch((e: unknown) => e)
    expect((err as DecodeError).reason).toBe('bad_transport')
    expect((err as DecodeError).message).toBe('shadow body: a same-as-primary reference was not resolved against the primary body')
  })
})
