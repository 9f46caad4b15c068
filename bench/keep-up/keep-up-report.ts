import type { MachineInfo } from '../report/machine-info.js'

/** The backlog may end a step at most this many seconds of traffic behind and still count as kept up. */
export const KEPT_UP_BACKLOG_SECONDS = 2

/** One step of the keep-up check: a rate of audited traffic and what the worker made of it. */
export interface KeepUpRow {
  readonly targetRps: number
  readonly seconds: number
  /** Client requests answered 200 per second of load. */
  readonly rps: number
  readonly failed: number
  /** Copies sent to the shadow (requests not mirrored are counted by reason on the gateway, e.g. in_flight_cap). */
  readonly mirrored: number
  /** Requests not mirrored, by reason. */
  readonly notMirrored: Readonly<Record<string, number>>
  /** Pairs the gateway enqueued during the load. */
  readonly enqueued: number
  /** Pairs the gateway dropped (any dropped_* reason) during the load. */
  readonly dropped: number
  /** Pairs the worker had written to InfluxDB when the load stopped. */
  readonly auditedUnderLoad: number
  /** Largest backlog seen (pairs enqueued, not yet audited), sampled every second. */
  readonly maxBacklog: number
  /** Backlog when the load stopped. */
  readonly backlogAtEnd: number
  /** Seconds from the end of the load until the backlog was empty; undefined when it was not within the limit. */
  readonly catchUpSeconds: number | undefined
  /** Pairs written to InfluxDB in the end: equal to `enqueued` when nothing was lost. */
  readonly auditedInTheEnd: number
}

/** Kept up: the backlog ended the step within KEPT_UP_BACKLOG_SECONDS of traffic, and nothing was dropped. */
export function keptUp(row: KeepUpRow): boolean {
  return row.dropped === 0 && row.backlogAtEnd <= row.targetRps * KEPT_UP_BACKLOG_SECONDS
}

export function formatKeepUpReport(o: { startedAt: Date; machine: MachineInfo; loadAtEnd: number; concurrency: number; rows: readonly KeepUpRow[] }): string {
  const m = o.machine
  const lines = [
    `## shadowgate keep-up check (gateway → queue → one audit worker) — ${o.startedAt.toISOString()}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; load average ${m.loadAtStart.toFixed(2)} at start, ${o.loadAtEnd.toFixed(2)} at end.`,
    `Everything on this machine: open-loop client, origin, shadow (1 answer in 10 differs), gateway (\`shadowgate gateway\`), redis-server, influxd, one worker (\`shadowgate audit\`, concurrency ${o.concurrency}). Every request mirrored and audited.`,
    '',
    '| client req/s (target) | achieved | failed | mirrored | not mirrored | pairs enqueued | dropped | audited under load | worker pairs/s | max backlog | backlog at end | catch-up s | audited in the end | kept up |',
    '| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const r of o.rows) {
    const catchUp = r.catchUpSeconds === undefined ? 'not within 120' : r.catchUpSeconds.toFixed(1)
    const notMirrored = Object.entries(r.notMirrored).map(([reason, n]) => `${reason} ${n}`).join(', ') || '0'
    lines.push(
      `| ${r.targetRps} | ${r.rps.toFixed(0)} | ${r.failed} | ${r.mirrored} | ${notMirrored} | ${r.enqueued} | ${r.dropped} | ${r.auditedUnderLoad} | ${(r.auditedUnderLoad / r.seconds).toFixed(0)} | ${r.maxBacklog} | ${r.backlogAtEnd} | ${catchUp} | ${r.auditedInTheEnd} | ${keptUp(r) ? 'yes' : '**no**'} |`,
    )
  }
  lines.push('', `Kept up: nothing dropped and the backlog at the end of the load at most ${KEPT_UP_BACKLOG_SECONDS} s of traffic.`)
  return lines.join('\n')
}
