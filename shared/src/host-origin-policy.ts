/**
 * Which `Host` and `Origin` an operator listener (the admin API, the audit worker's HTTP API)
 * answers. A browser page on another site can point its own DNS name at 127.0.0.1 (DNS rebinding)
 * and then talk to a loopback listener as "same origin": the request arrives from a loopback peer,
 * but its Host names the attacker's domain, and a cross-site request carries an Origin. Both are
 * refused here, before authentication.
 */
export interface HostOriginRules {
  /** The address the listener was configured to bind (`admin.host`, `worker.http.host`). */
  readonly boundHost: string
  /** Extra host names: exact (`admin.internal`), a leading dot for a domain and its subdomains (`.corp.example`), or `*` for any. */
  readonly allowedHosts: readonly string[]
  /** Exact origins (`https://ops.example`) whose pages may call the listener; none by default. */
  readonly allowedOrigins: readonly string[]
  /** The config section of the lists (`admin`, `worker.http`), named in refusals; default: none. */
  readonly configKey?: string
}

export interface HostOriginRequest {
  readonly host: string | undefined
  readonly origin: string | undefined
  /** The address the connection arrived on (socket.localAddress): the listener's own address. */
  readonly localAddress: string | undefined
}

export interface HostOriginRefusal {
  readonly refused: 'host' | 'origin'
  readonly message: string
}

/** Addresses a listener bound to every interface is configured with; they name no host. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', ''])

function unmapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

/** A loopback peer or host: 127.0.0.0/8, `::1`, IPv4-mapped loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false
  const a = unmapped(address)
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)
}

/** The host name of a Host header, lower-case, without port, brackets or a trailing dot; undefined if malformed. */
export function hostHeaderName(host: string): string | undefined {
  const h = host.trim().toLowerCase()
  if (h.startsWith('[')) {
    const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h)
    return m?.[1]
  }
  const m = /^([a-z0-9_.-]+)(?::\d{1,5})?$/.exec(h)
  const name = m?.[1]
  return name?.endsWith('.') ? name.slice(0, -1) : name
}

/** Normalises a configured or bound host the way hostHeaderName reads a header. */
function configuredName(host: string): string {
  const h = host.trim().toLowerCase()
  return unmapped(h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h)
}

function hostAllowed(name: string, rules: HostOriginRules, localAddress: string | undefined): boolean {
  if (name === 'localhost' || isLoopbackAddress(name)) return true
  const bound = configuredName(rules.boundHost)
  if (!WILDCARD_HOSTS.has(bound) && name === bound) return true
  if (localAddress !== undefined && name === configuredName(localAddress)) return true
  return rules.allowedHosts.some((entry) => {
    const e = configuredName(entry)
    if (e === '*') return true
    return e.startsWith('.') ? name === e.slice(1) || name.endsWith(e) : name === e
  })
}

/**
 * Why a request must be refused, or undefined when its Host names this listener and it carries
 * no Origin, or an allowed one. A missing Host is refused: every HTTP/1.1 client sends one.
 */
export function hostOriginRefusal(req: HostOriginRequest, rules: HostOriginRules): HostOriginRefusal | undefined {
  const key = rules.configKey === undefined ? '' : `${rules.configKey}.`
  const name = req.host === undefined ? undefined : hostHeaderName(req.host)
  if (name === undefined || !hostAllowed(name, rules, req.localAddress)) {
    const shown = req.host === undefined ? 'no Host header' : `Host ${JSON.stringify(req.host.slice(0, 200))}`
    return { refused: 'host', message: `${shown} does not name this listener; add the name to ${key}allowedHosts to serve it` }
  }
  if (req.origin !== undefined) {
    const origin = req.origin.trim().toLowerCase()
    if (!rules.allowedOrigins.some((o) => o.toLowerCase() === origin)) {
      return { refused: 'origin', message: `Origin ${JSON.stringify(req.origin.slice(0, 200))} is not allowed; add it to ${key}allowedOrigins to serve it` }
    }
  }
  return undefined
}
