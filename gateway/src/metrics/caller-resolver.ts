import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { headerRedactionName, type ShadowgateConfig } from '@shadowgate/shared'

/** The caller of a request that names none. */
export const ANONYMOUS_CALLER = '(anonymous)'

/** Hashes kept per resolver, so a busy API key is hashed once, not per request. */
const HASH_CACHE_SIZE = 1_024
/** An identity value used as it is: printable ASCII without spaces, not too long for a tag. */
const PLAIN_CALLER = /^[\x21-\x7e]{1,128}$/

/**
 * Who made a request, as the access audit and the slow log name it: the `audit.identityHeader`
 * value; else a hash of the `access.apiKeyHeader` value (`key:` + 16 hex digits of its SHA-256,
 * never the key); else `(anonymous)`. An identity header that is also redacted (say
 * `authorization`), or whose value is long or not plain printable text, is hashed the same way.
 */
export class CallerResolver {
  readonly #identity: string | undefined
  readonly #hashIdentity: boolean
  readonly #apiKey: string | undefined
  readonly #hashes = new Map<string, string>()

  constructor(config: Pick<ShadowgateConfig, 'audit' | 'access'>) {
    this.#identity = config.audit.identityHeader
    this.#hashIdentity = this.#identity !== undefined && config.audit.redactHeaders.some((h) => headerRedactionName(h) === headerRedactionName(this.#identity ?? ""))
    this.#apiKey = config.access.apiKeyHeader
  }

  callerOf(headers: IncomingHttpHeaders): string {
    if (this.#identity !== undefined) {
      const value = first(headers[this.#identity])
      if (value !== undefined && value !== '') return this.#hashIdentity || !PLAIN_CALLER.test(value) ? this.#hash('id:', value) : value
    }
    if (this.#apiKey !== undefined) {
      const value = first(headers[this.#apiKey])
      if (value !== undefined && value !== '') return this.#hash('key:', value)
    }
    return ANONYMOUS_CALLER
  }

  #hash(prefix: string, value: string): string {
    const key = prefix + value
    let hashed = this.#hashes.get(key)
    if (hashed === undefined) {
      hashed = prefix + createHash('sha256').update(value).digest('hex').slice(0, 16)
      if (this.#hashes.size >= HASH_CACHE_SIZE) this.#hashes.clear()
      this.#hashes.set(key, hashed)
    }
    return hashed
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : v?.[0]
}
