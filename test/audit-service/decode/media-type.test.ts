import { describe, expect, it } from 'vitest'
import { parseMediaType } from '../../../audit-service/src/decode/media-type.js'

describe('parseMediaType', () => {
  it.each([
    ['application/json', 'json'],
    ['application/problem+json; charset=utf-8', 'json'],
    ['text/json', 'json'],
    ['TEXT/HTML; Charset="ISO-8859-1"', 'text'],
    ['application/xml', 'text'],
    ['image/svg+xml', 'text'],
    ['application/x-ndjson', 'text'],
    ['application/x-www-form-urlencoded', 'text'],
    ['application/octet-stream', 'binary'],
    ['image/png', 'binary'],
    ['application/grpc', 'binary'],
    ['application/vnd.custom', 'unknown'],
    ['application/vnd.custom; charset=utf-8', 'text'],
    ['garbage', 'unknown'],
  ])('%s is %s', (header, kind) => {
    expect(parseMediaType(header).kind).toBe(kind)
  })

  it('extracts a lower-case essence and charset', () => {
    expect(parseMediaType('Text/HTML; Charset="ISO-8859-1"')).toEqual({ essence: 'text/html', charset: 'iso-8859-1', kind: 'text' })
    expect(parseMediaType(undefined)).toEqual({ essence: '', charset: undefined, kind: 'unknown' })
  })
})
