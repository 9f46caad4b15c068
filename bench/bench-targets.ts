import type { ChildSpec } from './child-protocol.js'

/** The request every load bench sends: a GET the upstream answers with its ~1 KB JSON body. */
export const BENCH_REQUEST_PATH = '/api/items/42?view=full'

export type ShadowName = 'fast' | 'slow'

/** One thing the load generator is pointed at. */
export interface BenchTarget {
  readonly key: string
  readonly label: string
  /** The proxy process to start; undefined means the load goes straight to the origin. */
  readonly proxy: ((urls: UpstreamUrls) => ChildSpec) | undefined
  /** The shadow whose received count gives "reached shadow". */
  readonly shadow: ShadowName | undefined
  /** Needs the bench's redis-server. */
  readonly redis: boolean
}

export interface UpstreamUrls {
  readonly origin: string
  readonly fast: string
  readonly slow: string
  readonly redis: string | undefined
}

/**
 * Copies beyond this many per route are dropped; deep enough that 3 rounds of 100% capture never
 * hit it with no worker consuming, so the audit target measures enqueueing, not dropping.
 */
export const AUDIT_MAX_QUEUE_DEPTH = 5_000_000

export const BENCH_TARGETS: readonly BenchTarget[] = [
  { key: 'direct', label: 'direct (no proxy)', proxy: undefined, shadow: undefined, redis: false },
  { key: 'raw-undici', label: 'raw undici proxy', proxy: (u) => ({ role: 'raw-undici', origin: u.origin }), shadow: undefined, redis: false },
  {
    key: 'raw-undici-mirror',
    label: 'raw undici proxy + fire-and-forget mirror (fast shadow)',
    proxy: (u) => ({ role: 'raw-undici', origin: u.origin, shadow: u.fast }),
    shadow: 'fast',
    redis: false,
  },
  { key: 'node-http-proxy', label: 'node-http-proxy', proxy: (u) => ({ role: 'node-http-proxy', origin: u.origin }), shadow: undefined, redis: false },
  { key: 'reply-from', label: 'fastify + @fastify/reply-from', proxy: (u) => ({ role: 'reply-from', origin: u.origin }), shadow: undefined, redis: false },
  {
    key: 'sg-off',
    label: 'shadowgate, mirror off',
    proxy: (u) => ({ role: 'shadowgate', origin: u.origin, shadow: u.fast, mirrorPercent: 0 }),
    shadow: 'fast',
    redis: false,
  },
  {
    key: 'sg-fast',
    label: 'shadowgate, mirror 100% (fast shadow)',
    proxy: (u) => ({ role: 'shadowgate', origin: u.origin, shadow: u.fast, mirrorPercent: 100 }),
    shadow: 'fast',
    redis: false,
  },
  {
    key: 'sg-slow',
    label: 'shadowgate, mirror 100% (500 ms shadow)',
    proxy: (u) => ({ role: 'shadowgate', origin: u.origin, shadow: u.slow, mirrorPercent: 100 }),
    shadow: 'slow',
    redis: false,
  },
  {
    key: 'sg-fast-300',
    label: 'shadowgate, mirror 300% load test (fast shadow)',
    proxy: (u) => ({ role: 'shadowgate', origin: u.origin, shadow: u.fast, mirrorPercent: 300 }),
    shadow: 'fast',
    redis: false,
  },
  {
    key: 'sg-slow-300',
    label: 'shadowgate, mirror 300% load test (500 ms shadow)',
    proxy: (u) => ({ role: 'shadowgate', origin: u.origin, shadow: u.slow, mirrorPercent: 300 }),
    shadow: 'slow',
    redis: false,
  },
  {
    key: 'sg-capture',
    label: 'shadowgate, mirror 100% with every pair captured and discarded (fast shadow)',
    proxy: (u) => ({ role: 'shadowgate', origin: u.origin, shadow: u.fast, mirrorPercent: 100, discardPairs: true }),
    shadow: 'fast',
    redis: false,
  },
  {
    key: 'sg-audit',
    label: 'shadowgate, mirror + audit 100% (fast shadow, Redis)',
    proxy: (u) => ({ role: 'shadowgate', origin: u.origin, shadow: u.fast, mirrorPercent: 100, redisUrl: u.redis, maxQueueDepth: AUDIT_MAX_QUEUE_DEPTH }),
    shadow: 'fast',
    redis: true,
  },
]
