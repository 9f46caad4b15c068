import { hostname } from 'node:os'
import { validateConfig } from '@shadowgate/shared'
import { pino } from 'pino'
import { AuditProducer, GatewayMetrics, RuntimeSettings, buildGateway, type PairSink } from '@shadowgate/gateway'
import type { ChildSpec, RunningRole } from '../child-protocol.js'

/**
 * Takes every pair the mirror captures and drops it: the request path's share of the audit (body tees,
 * observers, the pair), without the producer's building, encoding and writing.
 */
function discardingSink(maxBodyBytes: number): PairSink & { pairs: number } {
  return {
    maxBodyBytes,
    pairs: 0,
    accepts: () => true,
    push() {
      this.pairs++
    },
  }
}

function need(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`${what} is required for the shadowgate role`)
  return value
}

/**
 * The product as shipped: defaults for every pool, cap and timeout, one catch-all route, and with
 * `redisUrl` the real AuditProducer enqueueing every pair (no worker consumes them), with `discardPairs`
 * every pair captured and dropped. A percent above
 * 100 is a load test: set at runtime, as `shadowgate mirror set` would.
 */
export async function startShadowgateServer(spec: ChildSpec): Promise<RunningRole> {
  const percent = spec.mirrorPercent ?? 0
  const config = validateConfig({
    primary: need(spec.origin, 'origin'),
    shadow: need(spec.shadow, 'shadow'),
    listen: { host: '127.0.0.1', port: 0 },
    admin: { enabled: false },
    mirror: { maxAmplification: Math.max(1, Math.ceil(percent / 100)) },
    ...(spec.redisUrl ? { redis: spec.redisUrl, audit: { maxQueueDepth: spec.maxQueueDepth } } : { audit: { enabled: false } }),
    routes: [{ name: 'bench', match: '/*', mirror: { percent: Math.min(percent, 100) } }],
  })
  const settings = new RuntimeSettings(config)
  if (percent > 100) await settings.setMirror('bench', percent, { by: 'bench' })
  const metrics = new GatewayMetrics()
  const instanceId = `bench-${hostname()}-${process.pid}`
  const producer = spec.redisUrl ? new AuditProducer(config, { metrics, instanceId, logger: pino({ level: 'silent' }) }) : undefined
  producer?.start()
  const discard = spec.discardPairs === true && producer === undefined ? discardingSink(config.audit.maxBodyBytes) : undefined
  const pairSink = producer ?? discard
  const app = await buildGateway(config, { metrics, instanceId, settings, ...(pairSink ? { pairSink } : {}) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const addr = app.server.address()
  if (addr === null || typeof addr === 'string') throw new Error('gateway has no TCP address')
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    stats() {
      let mirrored = 0
      let shadowErrors = 0
      const notMirrored: Record<string, number> = {}
      for (const c of Object.values(metrics.snapshot())) {
        mirrored += c.mirrored
        shadowErrors += c.shadowErrors
        for (const [k, v] of Object.entries(c.notMirrored)) notMirrored[k] = (notMirrored[k] ?? 0) + v
      }
      let audit: Record<string, number> | undefined
      if (discard) audit = { discarded: discard.pairs }
      if (producer) {
        const s = producer.stats()
        audit = { enqueued: s.enqueued, not_sampled: s.notSampled, buffered: s.buffered + s.inFlight }
        for (const [k, v] of Object.entries(s.dropped)) audit[`dropped_${k}`] = v
      }
      return Promise.resolve({ mirrored, notMirrored, shadowErrors, ...(audit ? { audit } : {}) })
    },
    async close() {
      await app.close()
      settings.close()
      await producer?.close()
    },
  }
}
