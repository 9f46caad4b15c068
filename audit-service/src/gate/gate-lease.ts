import type { RedisClient } from '../create-redis-client.js'
import { gateLeaseKey } from '@shadowgate/shared'

// Extends the lease only while this holder still has it: a holder that stalled past the ttl and
// lost the lease to another never takes it back by renewing.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

/**
 * The Redis lease that makes one audit worker's gate evaluator the one that acts: SET NX PX to take
 * it, a compare-then-PEXPIRE to renew it. A holder that stops renewing (stalled, partitioned, gone)
 * loses it after `ttlMs` and another worker takes it at its next try. The holder also counts itself
 * the holder only until its last successful renewal plus the ttl, by its own clock, so a stalled
 * process that wakes up acts on nothing before it has renewed.
 */
export class GateLease {
  readonly #redis: RedisClient
  readonly #key: string
  readonly #id: string
  readonly #ttlMs: number
  #validUntil = 0

  constructor(redis: RedisClient, prefix: string, id: string, ttlMs: number) {
    this.#redis = redis
    this.#key = gateLeaseKey(prefix)
    this.#id = id
    this.#ttlMs = ttlMs
  }

  get id(): string {
    return this.#id
  }

  /** Takes or renews the lease; true when this instance holds it. A Redis failure counts as not holding it. */
  async acquire(): Promise<boolean> {
    const started = performance.now()
    try {
      const renewed = await this.#redis.eval(RENEW, 1, this.#key, this.#id, this.#ttlMs)
      const held = renewed === 1 || (await this.#redis.set(this.#key, this.#id, 'PX', this.#ttlMs, 'NX')) === 'OK'
      this.#validUntil = held ? started + this.#ttlMs : 0
      return held
    } catch {
      this.#validUntil = 0
      return false
    }
  }

  /** Whether the lease is still this instance's by its own clock (from the start of its last successful take or renewal). */
  held(): boolean {
    return performance.now() < this.#validUntil
  }

  /** Gives the lease up at once (on close), so another worker need not wait for the ttl. */
  async release(): Promise<void> {
    this.#validUntil = 0
    await this.#redis.eval(RELEASE, 1, this.#key, this.#id).catch(() => undefined)
  }
}
