import type { RedisConfig } from './config/config-types.js'

/**
 * How one connection behaves, whatever the deployment: the options each caller already gives
 * ioredis for a single server. `retryStrategy` answers the delay before reconnect attempt `times`,
 * or null to give up.
 */
export interface RedisClientTuning {
  readonly lazyConnect?: boolean
  readonly enableOfflineQueue?: boolean
  readonly maxRetriesPerRequest?: number | null
  readonly commandTimeout?: number
  readonly connectTimeout?: number
  readonly retryStrategy?: (times: number) => number | null
  readonly connectionName?: string
  readonly autoResubscribe?: boolean
  /** Sends the commands issued in one event-loop turn as one pipeline (per node in a cluster): one write instead of many. */
  readonly enableAutoPipelining?: boolean
}

export interface RedisNodeAddress {
  readonly host: string
  readonly port: number
}

/** Options of one connection to one server: what ioredis' `RedisOptions` takes. */
export interface RedisNodeOptions extends Omit<RedisClientTuning, 'retryStrategy'> {
  readonly username?: string
  readonly password?: string
  readonly tls?: Record<string, never>
}

/**
 * What to build, as plain data: `new Redis(url, options)`, `new Redis(options)` (with sentinels) or
 * `new Cluster(nodes, options)`. The services build the client; this module does no I/O.
 */
export type RedisClientPlan =
  | { readonly kind: 'single'; readonly url: string; readonly options: RedisClientTuning }
  | {
      readonly kind: 'sentinel'
      readonly options: RedisClientTuning &
        Omit<RedisNodeOptions, keyof RedisClientTuning> & {
          readonly sentinels: readonly RedisNodeAddress[]
          readonly name: string
          readonly sentinelUsername?: string
          readonly sentinelPassword?: string
          readonly enableTLSForSentinelMode?: boolean
          readonly sentinelTLS?: Record<string, never>
          readonly sentinelRetryStrategy?: (times: number) => number | null
          readonly reconnectOnError?: (err: Error) => boolean
        }
    }
  | {
      readonly kind: 'cluster'
      readonly nodes: readonly RedisNodeAddress[]
      readonly options: {
        readonly lazyConnect?: boolean
        readonly enableOfflineQueue?: boolean
        readonly enableAutoPipelining?: boolean
        readonly clusterRetryStrategy?: (times: number) => number | null
        readonly redisOptions: RedisNodeOptions
      }
    }

interface ParsedNodes {
  readonly nodes: RedisNodeAddress[]
  readonly username?: string
  readonly password?: string
  readonly tls: boolean
}

/** Validation (validate-config) already checked scheme, host, port and that all share credentials. */
function parseNodes(urls: readonly string[]): ParsedNodes {
  const parsed = urls.map((u) => new URL(u))
  const first = parsed[0]
  return {
    nodes: parsed.map((u) => ({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(u.port) })),
    ...(first?.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first?.password ? { password: decodeURIComponent(first.password) } : {}),
    tls: first?.protocol === 'rediss:',
  }
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

function isReadOnlyError(err: Error): boolean {
  return err.message.startsWith('READONLY')
}

/**
 * The reconnect delay the services use (an ioredis `retryStrategy`): 200 ms after the first failed
 * attempt, doubling, at most `maxMs`, so a Redis that is back is found quickly and one that stays
 * away costs one attempt per `maxMs`. Wrap it (`(n) => reconnectDelay(n)`): ioredis passes a
 * cluster's retry strategy the failure as a second argument.
 */
export function reconnectDelay(times: number, maxMs = 2_000): number {
  return Math.min(100 * 2 ** Math.min(times, 5), maxMs)
}

/**
 * Maps `redis` config and a connection's tuning to the ioredis constructor to call. In cluster mode
 * ioredis reconnects at the cluster level (the per-node connections never retry on their own), so
 * `retryStrategy` becomes `clusterRetryStrategy` and the rest of the tuning applies to each node.
 */
export function redisClientPlan(config: RedisConfig, tuning: RedisClientTuning): RedisClientPlan {
  if (config.mode === 'single') return { kind: 'single', url: config.url, options: tuning }
  if (config.mode === 'cluster') {
    const { nodes, username, password, tls } = parseNodes(config.cluster)
    const { lazyConnect, enableOfflineQueue, enableAutoPipelining, retryStrategy, ...perNode } = tuning
    return {
      kind: 'cluster',
      nodes,
      options: withoutUndefined({
        lazyConnect,
        enableOfflineQueue,
        enableAutoPipelining,
        clusterRetryStrategy: retryStrategy,
        redisOptions: withoutUndefined({ ...perNode, username, password, tls: tls ? {} : undefined }),
      }),
    }
  }
  const { nodes, username, password, tls } = parseNodes(config.sentinels)
  return {
    kind: 'sentinel',
    options: withoutUndefined({
      ...tuning,
      sentinels: nodes,
      name: config.name,
      username: config.username,
      password: config.password,
      sentinelUsername: username,
      sentinelPassword: password,
      // The sentinels' answers name the master; reaching it the same way as the sentinels is the common setup.
      enableTLSForSentinelMode: tls || undefined,
      sentinelTLS: tls ? {} : undefined,
      tls: tls ? {} : undefined,
      sentinelRetryStrategy: tuning.retryStrategy,
      // A client still connected to a demoted master (a partition that healed) gets READONLY on every
      // write; reconnecting asks the sentinels for the current master.
      reconnectOnError: isReadOnlyError,
    }),
  }
}

/** What a connection error names: `Redis at <url>`, `Redis Cluster at <seeds>` or `Redis master "<name>" via sentinels <urls>` (mask credentials before printing). */
export function redisTarget(config: RedisConfig): string {
  if (config.mode === 'single') return `Redis at ${config.url}`
  if (config.mode === 'cluster') return `Redis Cluster at ${config.cluster.join(', ')}`
  return `Redis master "${config.name}" via sentinels ${config.sentinels.join(', ')}`
}
