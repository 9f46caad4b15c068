import type { AuditJob, CapturedOutcome } from '@shadowgate/shared'

let seq = 0

/** A JSON response as the gateway captures it. */
export function jsonResponse(body: unknown, opts: { status?: number; headers?: Record<string, string | string[]>; latencyMs?: number } = {}): CapturedOutcome {
  const data = JSON.stringify(body)
  return {
    kind: 'response',
    status: opts.status ?? 200,
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: { encoding: 'utf8', data, size: Buffer.byteLength(data), truncated: false },
    latencyMs: opts.latencyMs ?? 5,
  }
}

/** A valid AuditJob with unique id and capture time (UniqueClock layout: ms + counter + slot). */
export function pairJob(route: string, primary: CapturedOutcome, shadow: CapturedOutcome, opts: { method?: string; headers?: Record<string, string>; instance?: string; capturedAtNs?: string; id?: string } = {}): AuditJob {
  seq++
  const ms = 1_700_000_000_000 + seq
  return {
    v: 1,
    id: opts.id ?? `job-${process.pid}-${seq}`,
    instance: opts.instance ?? 'gw-1',
    capturedAtNs: opts.capturedAtNs ?? `${ms}000${'042'}`,
    route,
    request: {
      method: opts.method ?? 'GET',
      path: `/${route}/${seq}`,
      query: 'page=1',
      headers: { accept: 'application/json', ...opts.headers },
      bodySize: 0,
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      caller: '10.0.0.1',
    },
    primary,
    shadow,
  }
}
