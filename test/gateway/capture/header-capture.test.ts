import { describe, expect, it } from 'vitest'
import { captureHeaders } from '../../../gateway/src/capture/header-capture.js'

describe('captureHeaders', () => {
  const redact = new Set(['authorization', 'cookie', 'set-cookie', 'x-secret', 'content-type', 'content-encoding'])

  it('keeps only selected request headers, lower-cased, redacting secrets', () => {
    const out = captureHeaders({ Accept: 'application/json', Authorization: 'Bearer abc', 'x-other': 'no', cookie: 'sid=1' }, { keep: new Set(['accept', 'authorization', 'cookie']), redact })
    expect(out).toEqual({ accept: 'application/json', authorization: '[redacted]', cookie: '[redacted]' })
  })

  it('keeps every response header and every value of repeated ones; Set-Cookie never in clear', () => {
    const out = captureHeaders({ 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/html', 'content-encoding': 'gzip', 'x-secret': 'v', vary: ['accept', 'origin'] }, { keep: undefined, redact })
    expect(out).toEqual({ 'set-cookie': ['[redacted]', '[redacted]'], 'content-type': 'text/html', 'content-encoding': 'gzip', 'x-secret': '[redacted]', vary: ['accept', 'origin'] })
    expect(JSON.stringify(out)).not.toContain('a=1')
  })

  it('merges names that differ only in case', () => {
    expect(captureHeaders({ 'X-A': '1', 'x-a': ['2'] }, { keep: undefined, redact })).toEqual({ 'x-a': ['1', '2'] })
  })
})

// Regression: "redaction misses spellings a server would read as the same parameter" (headers).
describe('captureHeaders: spellings of a redacted header', () => {
  it('redacts any case, every repeated value, and `_` for `-` (CGI-style servers read both as one)', () => {
    const redact = new Set(['x-api-key', 'authorization'])
    const out = captureHeaders({ 'X-API-KEY': 'S1', x_api_key: ['S2', 'S3'], X_Api_Key: 'S4', Authorization: 'S5', authorization: ['S6'] }, { keep: undefined, redact })
    expect(out).toEqual({ 'x-api-key': '[redacted]', x_api_key: ['[redacted]', '[redacted]', '[redacted]'], authorization: ['[redacted]', '[redacted]'] })
  })
})
