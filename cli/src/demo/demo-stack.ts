import type { AddressInfo } from 'node:net'
import { createAuditService, type AuditService } from '@shadowgate/audit-service'
import type { ShadowgateConfig } from '@shadowgate/shared'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { createGatewayService, type GatewayService } from '@shadowgate/gateway'
import { demoConfig, type DemoRunIdentity } from './demo-config.js'
import type { DemoInflux } from './demo-influx-env.js'
import { buildSampleCatalogApp } from './sample-catalog-app.js'

export interface DemoStackOptions {
  readonly redisUrl: string
  readonly influx: DemoInflux | undefined
  readonly run: DemoRunIdentity
  readonly logger: Logger
}

/** Everything the demo runs in this process, listening on 127.0.0.1. */
export interface DemoStack {
  readonly config: ShadowgateConfig
  readonly trafficUrl: string
  readonly adminUrl: string
  readonly primaryUrl: string
  readonly shadowUrl: string
  readonly gateway: GatewayService
  readonly audit: AuditService
  /** Lines written to InfluxDB so far (audit points and gateway counters); undefined without InfluxDB. */
  influxLines(): { written: number; dropped: number } | undefined
  /** Closes the gateway (draining), the worker (flushing InfluxDB), then the sample apps. Idempotent. */
  close(): Promise<void>
}

const GATEWAY_DRAIN_MS = 2_000

function portOf(app: FastifyInstance): number {
  return (app.server.address() as AddressInfo).port
}

/**
 * Starts the sample primary (v1) and shadow (v2) on free ports, then the audit worker and the
 * gateway service with the demo config. The apps and services are built by their own builders and
 * only listened to here. Anything started before a failure is closed before the error is rethrown.
 */
export async function startDemoStack(opts: DemoStackOptions): Promise<DemoStack> {
  const { logger } = opts
  const closers: { name: string; close: () => Promise<void> }[] = []
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c.close()
      } catch (err) {
        logger.error({ err, part: c.name }, 'demo part did not close cleanly')
      }
    }
  }
  try {
    const primary = buildSampleCatalogApp({ variant: 'v1' })
    closers.push({ name: 'catalog v1', close: () => primary.close() })
    const shadow = buildSampleCatalogApp({ variant: 'v2' })
    closers.push({ name: 'catalog v2', close: () => shadow.close() })
    await primary.listen({ host: '127.0.0.1', port: 0 })
    await shadow.listen({ host: '127.0.0.1', port: 0 })
    const config = demoConfig({ primary: portOf(primary), shadow: portOf(shadow) }, opts.redisUrl, opts.influx?.section, opts.run)

    const audit = createAuditService(config, { logger })
    closers.push({ name: 'audit worker', close: () => audit.close() })
    await audit.start()

    const gateway = await createGatewayService(config, { logger, instanceId: `demo-${process.pid}`, drainTimeoutMs: GATEWAY_DRAIN_MS })
    closers.push({ name: 'gateway', close: () => gateway.close() })
    const addr = await gateway.listen()
    if (!addr.admin) throw new Error('the demo config enables the admin API, but the gateway did not start it')

    let closing: Promise<void> | undefined
    return {
      config,
      trafficUrl: addr.traffic,
      adminUrl: addr.admin,
      primaryUrl: config.primary,
      shadowUrl: config.shadow ?? '',
      gateway,
      audit,
      influxLines() {
        const a = audit.influxStats()
        if (!a) return undefined
        const g = gateway.influxStats()
        return { written: a.writtenLines + (g?.writtenLines ?? 0), dropped: a.droppedLines + (g?.droppedLines ?? 0) }
      },
      close: () => (closing ??= closeAll()),
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}
