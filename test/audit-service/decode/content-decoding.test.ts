import { describe, expect, it } from 'vitest'
import { decodeContentEncoding, headerValue } from '../../../audit-service/src/decode/content-decoding.js'
import { DecodeError } from '../../../audit-service/src/errors.js'
import { compress } from '../job-fixtures.js'

const body = Buffer.from('{"a":[1,2,3]}')

describe('decodeContentEncoding', () => {
  it.each([
    ['gzip', compress(body, 'gzip')],
    ['x-gzip', compress(body, 'gzip')],
    ['br', compress(body, 'br')],
    ['deflate', compress(body, 'deflate')],
    ['DEFLATE', compress(body, 'deflate-raw')],
    ['identity', body],
  ])('decodes %s', async (coding, bytes) => {
    expect((await decodeContentEncoding(bytes, coding, 1000, 'body')).toString()).toBe(body.toString())
  })

  it('undoes stacked codings last-applied first', async () => {
    const twice = compress(compress(body, 'deflate'), 'gzip')
    expect((await decodeContentEncoding(twice, 'deflate, gzip', 1000, 'body')).toString()).toBe(body.toString())
  })

  it('leaves bodies without content-encoding alone, and empty bodies too', async () => {
    expect((await decodeContentEncoding(body, undefined, 1000, 'body')).equals(body)).toBe(true)
    expect((await decodeContentEncoding(Buffer.alloc(0), 'gzip', 1000, 'body')).length).toBe(0)
  })

  it('refuses an unknown coding by name', async () => {
    const err = await decodeContentEncoding(body, 'zstd', 1000, 'shadow body').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DecodeError)
    expect((err as DecodeError).reason).toBe('unsupported_encoding')
    expect((err as DecodeError).message).toBe('shadow body: unsupported content-encoding "zstd"')
  })

  it('reports a body that is not what its header claims as bad_encoding', async () => {
    const err = await decodeContentEncoding(body, 'gzip', 1000, 'body').catch((e: unknown) => e)
    expect((err as DecodeError).reason).toBe('bad_encoding')
  })
})

describe('headerValue', () => {
  it('finds names case-insensitively and joins repeated values', () => {
    expect(headerValue({ 'Content-Type': 'a/b' }, 'content-type')).toBe('a/b')
    expect(headerValue({ vary: ['a', 'b'] }, 'Vary')).toBe('a, b')
    expect(headerValue({}, 'x')).toBeUndefined()
  })
})
