import { request, type Dispatcher } from 'undici'

export interface AdminAccess {
  /** Base URL of the gateway's admin API, e.g. http://127.0.0.1:9901. */
  readonly url: string
  readonly token: string
  readonly dispatcher?: Dispatcher
}

const TIMEOUT_MS = 5_000

/**
 * `PUT /routes/<route>/mirror {"percent": n}` on the admin API: what `shadowgate mirror set` sends.
 * Resolves once the gateway confirmed; a refusal is an Error carrying the admin API's message.
 */
export async function setMirrorPercent(admin: AdminAccess, route: string, percent: number): Promise<void> {
  const res = await request(`${admin.url.replace(/\/+$/, '')}/routes/${encodeURIComponent(route)}/mirror`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', 'x-shadowgate-actor': 'demo' },
    body: JSON.stringify({ percent }),
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    ...(admin.dispatcher ? { dispatcher: admin.dispatcher } : {}),
  })
  const text = await res.body.text()
  if (res.statusCode === 200) return
  let message = text.slice(0, 300)
  try {
    message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message
  } catch {
    // Not JSON: the raw text says enough.
  }
  throw new Error(`the admin API refused to set ${route} to ${percent} %: ${res.statusCode} ${message}`)
}
