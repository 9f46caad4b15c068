import { describe, expect, it } from 'vitest'
import { decodeText, looksLikeText } from '../../../audit-service/src/decode/text-decoding.js'

describe('decodeText', () => {
  it('defaults to UTF-8 and drops a byte-order mark', () => {
    expect(decodeText(Buffer.from('\uFEFF{"a":"é"}', 'utf8'), undefined)).toEqual({ ok: true, text: '{"a":"é"}', unknownCharset: false })
  })

  it('decodes latin1 / iso-8859-1 bodies', () => {
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9]) // "café" in latin1
    expect(decodeText(bytes, 'iso-8859-1')).toMatchObject({ ok: true, text: 'café' })
    expect(decodeText(bytes, 'latin1')).toMatchObject({ ok: true, text: 'café' })
  })

  it('decodes an unknown charset as UTF-8 and says so', () => {
    expect(decodeText(Buffer.from('plain'), 'x-made-up')).toEqual({ ok: true, text: 'plain', unknownCharset: true })
  })

  it('reports invalid UTF-8 instead of replacing it', () => {
    expect(decodeText(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'utf-8')).toEqual({ ok: false, reason: 'invalid_utf8' })
  })
})

describe('looksLikeText', () => {
  it('accepts ordinary text and refuses control bytes', () => {
    expect(looksLikeText('line one\r\n\tline two')).toBe(true)
    expect(looksLikeText('PK\u0003\u0004zip')).toBe(false)
  })
})
