import { describe, expect, it } from 'vitest'
import { AuditBatchWriter, decodeAuditBatch } from '@shadowgate/shared'
import { HeaderCapture } from '../../../gateway/src/capture/header-capture.js'

/** The headers a worker reads back from what `write` wrote, through a real batch of one pair. */
function readBack(write: (w: AuditBatchWriter) => void): unknown {
  const w = new AuditBatchWriter(0)
  w.u32(1)
  for (const s of ['id', 'gw', '1', 'r', 'GET', '/', '']) w.str(s)
  write(w)
  w.f64(0)
  for (const s of ['e3b0', 'caller']) w.str(s)
  for (let i = 0; i < 2; i++) w.error('reset', 'x', 1)
  w.u8(0)
  w.u8(0)
  const pair = decodeAuditBatch(w.done(), 1)[0] as { request: { headers: unknown } }
  return { ...(pair.request.headers as object) }
}

describe('HeaderCapture', () => {
  const capture = new HeaderCapture(['Accept', 'authorization', 'cookie', 'x-absent'], ['authorization', 'cookie', 'set-cookie', 'x-secret', 'content-type', 'content-encoding'])

  it('keeps only selected request headers, redacting secrets, every value of a repeated one', () => {
    const out = readBack((w) => capture.writeRequest(w, { accept: 'application/json', authorization: 'Bearer abc', 'x-other': 'no', cookie: ['sid=1', 'b=2'] }))
    expect(out).toEqual({ accept: 'application/json', authorization: '[redacted]', cookie: ['[redacted]', '[redacted]'] })
  })

  it('keeps every response header line and every value of repeated ones; Set-Cookie never in clear; content-type and content-encoding always readable', () => {
    const lines = ['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'Content-Type', 'text/html', 'content-encoding', 'gzip', 'x-secret', 'v', 'Vary', 'accept', 'vary', 'origin']
    const out = readBack((w) => capture.writeLines(w, lines))
    expect(out).toEqual({ 'set-cookie': ['[redacted]', '[redacted]'], 'content-type': 'text/html', 'content-encoding': 'gzip', 'x-secret': '[redacted]', vary: ['accept', 'origin'] })
    expect(JSON.stringify(out)).not.toContain('a=1')
  })

  it('tells which names it redacts, in any spelling', () => {
    expect(capture.redacts('Authorization')).toBe(true)
    expect(capture.redacts('content-type')).toBe(false)
    expect(capture.redacts('x-other')).toBe(false)
  })
})

// Regression: "redaction misses spellings a server would read as the same parameter" (headers).
describe('HeaderCapture: spellings of a redacted header', () => {
  it('redacts any case, every repeated value, and `_` for `-` (CGI-style servers read both as one)', () => {
    const capture = new HeaderCapture([], ['x-api-key', 'authorization'])
    const lines = ['X-API-KEY', 'S1', 'x_api_key', 'S2', 'x_api_key', 'S3', 'X_Api_Key', 'S4', 'Authorization', 'S5', 'authorization', 'S6']
    expect(readBack((w) => capture.writeLines(w, lines))).toEqual({ 'x-api-key': '[redacted]', x_api_key: ['[redacted]', '[redacted]', '[redacted]'], authorization: ['[redacted]', '[redacted]'] })
  })
})
