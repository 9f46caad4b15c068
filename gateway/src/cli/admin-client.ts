import { userInfo } from 'node:os'
import type { AdminTarget } from './admin-target.js'

/** The admin API answered with an error (`code` from its JSON), or could not be reached. */
export interface AdminCallFailure {
  readonly ok: false
  /** `connection`: nothing answered; `admin`: the admin API answered with an error. */
  readonly kind: 'connection' | 'admin'
  readonly message: string
}

export interface AdminCallSuccess {
  readonly ok: true
  readonly body: unknown
}

const TIMEOUT_MS = 10_000

function localUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'cli'
  }
}

/** One request to the admin API; never throws: failures come back as a message for the operator. */
export async function callAdmin(target: AdminTarget, method: string, path: string, body?: unknown): Promise<AdminCallSuccess | AdminCallFailure> {
  const url = `${target.baseUrl}${path}`
  const headers: Record<string, string> = { 'x-shadowgate-actor': localUser() }
  if (target.token) headers['authorization'] = `Bearer ${target.token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) })
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    const why = cause?.code ?? cause?.message ?? (err as Error).message
    return { ok: false, kind: 'connection', message: `cannot reach the admin API at ${target.baseUrl} (${why}); is the gateway running, and are admin.host/admin.port or --admin right?` }
  }
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  if (res.ok && json !== undefined) return { ok: true, body: json }
  const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error
  if (error?.code === 'SG_ADMIN_UNAUTHORIZED') {
    return { ok: false, kind: 'admin', message: `the admin API refused the token (SG_ADMIN_UNAUTHORIZED): set admin.token in the config or SHADOWGATE_ADMIN_TOKEN` }
  }
  if (error?.message) return { ok: false, kind: 'admin', message: `${error.message} (${error.code ?? res.status})` }
  return { ok: false, kind: 'admin', message: `the admin API at ${target.baseUrl} answered ${res.status} ${text.slice(0, 200)}` }
}
