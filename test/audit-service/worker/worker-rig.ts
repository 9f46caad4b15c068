import { setLogger } from '@influxdata/influxdb-client'
import { AUDIT_QUEUE_NAME, parseConfig } from '@shadowgate/shared'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll } from 'vitest'
import { createAuditService, type AuditService, type AuditServiceOptions } from '../../../audit-service/src/worker/audit-service.js'
import { startInfluxd, startRedis, type TestInflux, type TestRedis } from '@shadowgate/dev-helpers'

/** A Prometheus sample of the service's registry (0 when absent). */
export async function metric(service: AuditService, line: string): Promise<number> {
  const text = await service.metrics.registry.metrics()
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `))
  return hit === undefined ? 0 : Number(hit.slice(line.length + 1))
}

export interface WorkerRig {
  readonly redis: () => TestRedis
  readonly influx: () => TestInflux
  /** A plain client for reaching into Redis as an operator (or an attacker) would. */
  readonly client: () => Redis
  /** A database and a queue named `prefix`, and a starter for an audit service on them. */
  setup(prefix: string, options?: Omit<AuditServiceOptions, 'logger'>): Promise<{ queue: Queue; start: () => Promise<AuditService> }>
}

/**
 * One real redis-server and influxd per describe block, and audit services built on them with `routes`
 * (YAML list items); everything is closed after the block. Call inside `describe`.
 */
export function workerRig(routes: string): WorkerRig {
  let redis: TestRedis | undefined
  let influx: TestInflux | undefined
  let client: Redis | undefined
  const services: AuditService[] = []
  const queues: Queue[] = []
  beforeAll(async () => {
    setLogger({ error: () => undefined, warn: () => undefined })
    ;[redis, influx] = await Promise.all([startRedis(), startInfluxd()])
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  })
  afterAll(async () => {
    for (const q of queues) await q.close()
    for (const s of services) await s.close()
    client?.disconnect()
    await Promise.all([redis?.close(), influx?.close()])
  })
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not started yet (use the rig inside a test)`)
    return v
  }
  return {
    redis: () => need(redis, 'redis-server'),
    influx: () => need(influx, 'influxd'),
    client: () => need(client, 'the Redis client'),
    async setup(prefix, options = {}) {
      const r = need(redis, 'redis-server')
      const i = need(influx, 'influxd')
      await i.createDatabase(prefix)
      const queue = new Queue(AUDIT_QUEUE_NAME, { connection: { url: r.url }, prefix })
      queues.push(queue)
      const config = parseConfig(`
primary: http://127.0.0.1:1
redis: { url: "${r.url}", prefix: ${prefix} }
influx: { url: "${i.url}", database: ${prefix}, flushInterval: 50ms }
routes:
${routes}
`)
      return {
        queue,
        start: async () => {
          const service = createAuditService(config, { ...options, logger: pino({ level: 'silent' }) })
          services.push(service)
          await service.start()
          return service
        },
      }
    },
  }
}
