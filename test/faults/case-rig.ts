import { AUDIT_QUEUE_NAME } from '@shadowgate/shared'
import { Redis } from 'ioredis'
import { freePort, waitFor } from '@shadowgate/dev-helpers'
import type { FaultStack } from './fault-stack.js'
import { parsePrometheusText, sumOf } from './prometheus-text.js'
import { AUDIT_MAIN, GATEWAY_MAIN, ServiceProcess } from './service-process.js'
import { startSwitchableShadow, type SwitchableShadow } from './switchable-shadow.js'

export const ROUTE = 'items'

/** The gateway's own account of the run, from its admin /metrics. */
export interface GatewayCounts {
  readonly requests: number
  readonly mirrored: number
  readonly notMirrored: Readonly<Record<string, number>>
  readonly enqueued: number
  readonly dropped: Readonly<Record<string, number>>
  readonly droppedTotal: number
  /** Pairs whose batch write is unanswered now, and pairs first unanswered then found enqueued/dropped_redis. */
  readonly unknown: number
  readonly reconciled: Readonly<Record<string, number>>
}

/**
 * One case's processes: a fresh shadow, gateway and audit worker (from the built CLIs) with their
 * own config, Redis prefix and InfluxDB database, so each case counts only its own pairs.
 */
export interface CaseRig {
  readonly key: string
  readonly shadow: SwitchableShadow
  readonly trafficUrl: string
  gateway: ServiceProcess
  worker: ServiceProcess
  gatewayCounts(): Promise<GatewayCounts>
  /** Points in shadowgate_audit by outcome. */
  audited(): Promise<Record<string, number>>
  /** The gateway's own counters as it wrote them to shadowgate_gateway (its last window is written at shutdown). */
  reportedCounters(): Promise<Record<string, number>>
  /** The worker's shadowgate_audit_influx_dropped_lines_total. */
  workerDroppedLines(): Promise<number>
  /** Jobs the audit workers hold right now (BullMQ's active list). */
  activeJobs(): Promise<number>
  /** Jobs waiting for a later attempt (BullMQ's delayed set). */
  delayedJobs(): Promise<number>
  startWorker(): Promise<void>
  /** What the fault injection observed, printed under the table. */
  readonly notes: string[]
  close(): Promise<void>
}

const prefixOf = (key: string): string => `faults-${key}`

function configYaml(o: { stack: FaultStack; key: string; shadow: string; traffic: number; admin: number; workerHttp: number }): string {
  return `listen: { host: 127.0.0.1, port: ${o.traffic} }
admin: { host: 127.0.0.1, port: ${o.admin} }
primary: ${o.stack.primaryUrl}
shadow: ${o.shadow}
redis: { url: "${o.stack.redis.url}", prefix: "${prefixOf(o.key)}" }
influx: { url: "${o.stack.influx.url}", database: "faults_${o.key}", flushInterval: 200ms }
worker: { http: { host: 127.0.0.1, port: ${o.workerHttp} } }
routes:
  - name: ${ROUTE}
    match: /items/*
    mirror: { percent: 100 }
`
}

export async function startCaseRig(stack: FaultStack, key: string): Promise<CaseRig> {
  const shadow = await startSwitchableShadow()
  const [traffic, admin, workerHttp] = [await freePort(), await freePort(), await freePort()]
  const database = `faults_${key}`
  await stack.influx.createDatabase(database)
  const configPath = await stack.dir.write(`${key}.yaml`, configYaml({ stack, key, shadow: shadow.url, traffic, admin, workerHttp }))
  const adminUrl = `http://127.0.0.1:${admin}`
  const workerUrl = `http://127.0.0.1:${workerHttp}`

  const launchWorker = async (): Promise<ServiceProcess> => {
    const p = new ServiceProcess(AUDIT_MAIN, ['audit', '--config', configPath, '--log-level', 'warn'])
    await waitFor(async () => !p.exited && (await fetch(`${workerUrl}/healthz`)).status === 200, 30_000, () => `the audit worker to serve (${p.output})`)
    return p
  }
  const worker = await launchWorker()
  const gateway = new ServiceProcess(GATEWAY_MAIN, ['gateway', '--config', configPath, '--log-level', 'warn'])
  await waitFor(async () => !gateway.exited && (await fetch(`${adminUrl}/readyz`)).status === 200, 30_000, () => `the gateway to be ready (${gateway.output})`)

  let redis: Redis | undefined
  const rig: CaseRig = {
    key,
    notes: [],
    shadow,
    trafficUrl: `http://127.0.0.1:${traffic}`,
    gateway,
    worker,
    async gatewayCounts() {
      const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(3_000) })
      if (res.status !== 200) throw new Error(`admin /metrics answered ${res.status}`)
      const s = parsePrometheusText(await res.text())
      const byLabel = (name: string, label: string, where: (l: Readonly<Record<string, string>>) => boolean): Record<string, number> => {
        const out: Record<string, number> = {}
        for (const x of s) if (x.name === name && where(x.labels) && x.value > 0) out[x.labels[label] ?? ''] = (out[x.labels[label] ?? ''] ?? 0) + x.value
        return out
      }
      const dropped = byLabel('shadowgate_audit_pairs_total', 'result', (l) => (l['result'] ?? '').startsWith('dropped_'))
      return {
        requests: sumOf(s, 'shadowgate_requests_total', (l) => l['route'] === ROUTE),
        mirrored: sumOf(s, 'shadowgate_mirrored_total', (l) => l['route'] === ROUTE),
        notMirrored: byLabel('shadowgate_not_mirrored_total', 'reason', (l) => l['route'] === ROUTE),
        enqueued: sumOf(s, 'shadowgate_audit_pairs_total', (l) => l['result'] === 'enqueued'),
        dropped,
        droppedTotal: Object.values(dropped).reduce((a, b) => a + b, 0),
        unknown: sumOf(s, 'shadowgate_audit_pairs_unknown'),
        reconciled: byLabel('shadowgate_audit_pairs_reconciled_total', 'result', () => true),
      }
    },
    async audited() {
      const series = await stack.influx.query('SELECT count(judged) FROM shadowgate_audit GROUP BY outcome', database)
      const out: Record<string, number> = {}
      for (const s of series) out[s.tags?.['outcome'] ?? '?'] = Number(s.values[0]?.[1] ?? 0)
      return out
    },
    async reportedCounters() {
      const series = await stack.influx.query(`SELECT sum(count) FROM shadowgate_gateway WHERE route = '${ROUTE}' GROUP BY reason`, database)
      const out: Record<string, number> = {}
      for (const s of series) out[s.tags?.['reason'] ?? '?'] = Number(s.values[0]?.[1] ?? 0)
      return out
    },
    async workerDroppedLines() {
      const res = await fetch(`${workerUrl}/metrics`, { signal: AbortSignal.timeout(3_000) })
      return sumOf(parsePrometheusText(await res.text()), 'shadowgate_audit_influx_dropped_lines_total')
    },
    async activeJobs() {
      redis ??= new Redis(stack.redis.url, { maxRetriesPerRequest: 1 })
      return await redis.llen(`${prefixOf(key)}:${AUDIT_QUEUE_NAME}:active`)
    },
    async delayedJobs() {
      redis ??= new Redis(stack.redis.url, { maxRetriesPerRequest: 1 })
      return await redis.zcard(`${prefixOf(key)}:${AUDIT_QUEUE_NAME}:delayed`)
    },
    async startWorker() {
      rig.worker = await launchWorker()
    },
    async close() {
      await Promise.all([rig.gateway.stop('SIGTERM', 10_000), rig.worker.stop('SIGTERM', 15_000)])
      await shadow.close()
      redis?.disconnect()
    },
  }
  return rig
}
