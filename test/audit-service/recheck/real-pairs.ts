import type { AuditJob, CapturedOutcome } from '@shadowgate/shared'

let seq = 0

async function capture(origin: string, path: string, method: string): Promise<CapturedOutcome> {
  const started = performance.now()
  const res = await fetch(`${origin}${path}`, { method, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) })
  const text = await res.text()
  return {
    kind: 'response',
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? '' },
    body: { encoding: 'utf8', data: text, size: Buffer.byteLength(text), truncated: false },
    latencyMs: performance.now() - started,
  }
}

/**
 * A pair captured the way the gateway captures one: the same request sent at once to a real primary
 * and a real shadow, both answers kept; the client's credentials are stored redacted.
 */
export async function capturedPair(route: string, primary: string, shadow: string, path: string, method = 'GET'): Promise<AuditJob> {
  seq++
  const [p, s] = await Promise.all([capture(primary, path, method), capture(shadow, path, method)])
  const ms = BigInt(Date.now())
  return {
    v: 1,
    id: `pair-${process.pid}-${seq}`,
    instance: 'gw-recheck',
    capturedAtNs: String(ms * 1_000_000n + BigInt(seq)),
    route,
    request: {
      method,
      path,
      query: '',
      headers: { accept: 'application/json', authorization: '[redacted]' },
      bodySize: 0,
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      caller: '10.0.0.1',
    },
    primary: p,
    shadow: s,
  }
}
