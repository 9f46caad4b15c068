import type { IncomingMessage } from 'node:http'
import type { StickyKey } from '@shadowgate/shared'

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined
  }
  return undefined
}

function queryValue(url: string, name: string): string | undefined {
  const q = url.indexOf('?')
  if (q === -1) return undefined
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=')
    if ((eq === -1 ? pair : pair.slice(0, eq)) === name) return eq === -1 ? undefined : pair.slice(eq + 1) || undefined
  }
  return undefined
}

/**
 * The value a sticky rule hashes (a user id header, a session cookie, a tenant query parameter),
 * raw as the client sent it; undefined when the request does not carry it (or it is empty).
 */
export function stickyKeyOf(sticky: StickyKey, req: IncomingMessage): string | undefined {
  switch (sticky.source) {
    case 'header': {
      const v = req.headers[sticky.name]
      return (Array.isArray(v) ? v[0] : v) || undefined
    }
    case 'cookie':
      return cookieValue(req.headers.cookie, sticky.name)
    case 'query':
      return queryValue(req.url ?? '', sticky.name)
  }
}
