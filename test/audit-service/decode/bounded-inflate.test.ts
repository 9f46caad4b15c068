import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { boundedInflate } from '../../../audit-service/src/decode/bounded-inflate.js'
import { DecodeError } from '../../../audit-service/src/errors.js'
import { compress } from '../job-fixtures.js'

const text = Buffer.from('{"hello":"world","n":[1,2,3]}'.repeat(50))

describe('boundedInflate', () => {
  it.each(['gzip', 'br', 'deflate'] as const)('round-trips %s', async (format) => {
    expect((await boundedInflate(format, compress(text, format), 1_000_000, 'body')).equals(text)).toBe(true)
  })

  it('accepts raw deflate as servers send it under "deflate"', async () => {
    expect((await boundedInflate('deflate', compress(text, 'deflate-raw'), 1_000_000, 'body')).equals(text)).toBe(true)
  })

  it.each(['gzip', 'br', 'deflate'] as const)('turns a %s bomb into decompressed_too_large without inflating it', async (format) => {
    const bomb = compress(Buffer.alloc(64 * 1_048_576), format)
    expect(bomb.length).toBeLessThan(1_048_576)
    const err = await boundedInflate(format, bomb, 1_048_576, 'shadow body').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DecodeError)
    expect((err as DecodeError).reason).toBe('decompressed_too_large')
    expect((err as DecodeError).message).toContain('shadow body')
  })

  it('reports garbage as bad_encoding', async () => {
    const err = await boundedInflate('gzip', randomBytes(64), 1_000_000, 'body').catch((e: unknown) => e)
    expect((err as DecodeError).reason).toBe('bad_encoding')
  })
})
