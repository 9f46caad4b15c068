import { Redis } from 'ioredis'

/** Bound on each cut-over command: a stalled Redis must never keep a request held past cutover.maxPause. */
export const CUTOVER_COMMAND_TIMEOUT_MS = 1_000

function retryStrategy(times: number): number {
  return Math.min(100 * 2 ** Math.min(times, 5), 2_000)
}

/**
 * The command connection of the cut-over protocol: fails fast while Redis is down (no offline queue,
 * one retry, bounded commands) and reconnects in the background. Errors are left to the caller's
 * readiness checks: a listener is attached so that ioredis never reports them as unhandled.
 */
export function cutoverCommandClient(url: string, commandTimeoutMs = CUTOVER_COMMAND_TIMEOUT_MS): Redis {
  const client = new Redis(url, { retryStrategy, connectTimeout: 2_000, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs })
  client.on('error', () => undefined)
  return client
}

/** The subscriber connection: queues its SUBSCRIBE until connected and re-subscribes after every reconnect. */
export function cutoverSubscriber(url: string): Redis {
  const sub = new Redis(url, { retryStrategy, connectTimeout: 2_000, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true })
  sub.on('error', () => undefined)
  return sub
}

/** The client when it can take commands now, else undefined. */
export function readyClient(client: Redis | undefined): Redis | undefined {
  return client?.status === 'ready' ? client : undefined
}
