import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CaseRig } from './case-rig.js'
import { LARGE_ITEM_PREFIX, type FaultStack } from './fault-stack.js'
import type { StreamEvent } from './steady-stream.js'

/** The client stream of every case: 2,000 requests over 20 s, all of them mirrored (percent 100). */
export const STREAM_RPS = 100
export const STREAM_MS = 20_000
/** The fault starts 5 s into the stream and is undone at 12 s, so each case has traffic before, during and after it. */
export const FAULT_AT_MS = 5_000
export const HEAL_AT_MS = 12_000
export const SIGTERM_AT_MS = 10_000
/** The worker is restarted this long after its SIGKILL. */
export const WORKER_DOWN_MS = 3_000
/** How long redis-server stays frozen (SIGSTOP) in the slow-Redis case: longer than the producer's write timeout. */
export const REDIS_FROZEN_MS = 4_000

export interface FaultCase {
  /** Used in the Redis prefix and the InfluxDB database name. */
  readonly key: string
  readonly title: string
  /** What is done to which part, as printed under the table. */
  readonly fault: string
  readonly events: (rig: CaseRig, stack: FaultStack) => readonly StreamEvent[]
  /** The gateway itself goes away during the stream. */
  readonly gatewayExits?: boolean
}

/** Clients of the slow-reader case: each asks for a large response and reads none of it. */
export const SLOW_READERS = 100

function slowReaders(rig: CaseRig): readonly StreamEvent[] {
  const sockets: Socket[] = []
  return window(
    async () => {
      const { port, hostname } = new URL(rig.trafficUrl)
      for (let i = 0; i < SLOW_READERS; i++) {
        const socket = connect(Number(port), hostname)
        socket.pause()
        socket.on('error', () => {})
        socket.write(`GET ${LARGE_ITEM_PREFIX}${i} HTTP/1.1\r\nHost: faults.test\r\n\r\n`)
        sockets.push(socket)
      }
    },
    async () => {
      const open = sockets.filter((s) => !s.destroyed && !s.readableEnded).length
      for (const s of sockets.splice(0)) s.destroy()
      rig.notes.push(`${SLOW_READERS} clients that read nothing of a 32 MiB response from 5 s, ${open} still connected when they hung up at 12 s`)
    },
  )
}

const window = (inject: () => Promise<void>, heal: () => Promise<void>): readonly StreamEvent[] => [
  { atMs: FAULT_AT_MS, run: inject },
  { atMs: HEAL_AT_MS, run: heal },
]

export const FAULT_CASES: readonly FaultCase[] = [
  {
    key: 'baseline',
    title: 'no fault (baseline)',
    fault: 'nothing is done; every part is up',
    events: () => [],
  },
  {
    key: 'shadow_stopped',
    title: 'shadow stopped',
    fault: 'the shadow stops listening at 5 s (connections refused) and listens again at 12 s',
    events: (rig) => window(() => rig.shadow.setMode('stopped'), () => rig.shadow.setMode('ok')),
  },
  {
    key: 'shadow_slow',
    title: 'shadow answers after 2 s',
    fault: 'from 5 s to 12 s the shadow answers every copy after 2 s (mirror.timeout is 5 s)',
    events: (rig) => window(() => rig.shadow.setMode('slow'), () => rig.shadow.setMode('ok')),
  },
  {
    key: 'shadow_black_hole',
    title: 'shadow never answers',
    fault: 'from 5 s to 12 s the shadow accepts and reads copies and never answers',
    events: (rig) => window(() => rig.shadow.setMode('black_hole'), () => rig.shadow.setMode('ok')),
  },
  {
    key: 'shadow_reset',
    title: 'shadow resets mid-body',
    fault: 'from 5 s to 12 s the shadow sends headers and half the body, then a TCP RST',
    events: (rig) => window(() => rig.shadow.setMode('reset'), () => rig.shadow.setMode('ok')),
  },
  {
    key: 'redis_restart',
    title: 'Redis stopped and restarted',
    fault: 'redis-server gets SIGTERM at 5 s (it saves its RDB) and starts again on the same port at 12 s',
    events: (_rig, stack) => window(() => stack.redis.stop(), () => stack.redis.start()),
  },
  {
    key: 'influx_restart',
    title: 'InfluxDB stopped and restarted',
    fault: 'influxd gets SIGTERM at 5 s and starts again on the same port at 12 s',
    events: (_rig, stack) => window(() => stack.influx.stop(), () => stack.influx.start()),
  },
  {
    key: 'worker_kill',
    title: 'audit worker SIGKILLed and restarted',
    fault: `the audit worker gets SIGKILL at 5 s, at a moment it holds active jobs; a new one starts ${WORKER_DOWN_MS / 1000} s later`,
    events: (rig) => [
      {
        atMs: FAULT_AT_MS,
        run: async () => {
          // Kill it while it holds jobs, so BullMQ's stalled-job recovery has something to bring back.
          const deadline = Date.now() + 3_000
          let active = 0
          while (Date.now() < deadline && (active = await rig.activeJobs()) === 0) await sleep(2)
          rig.worker.signal('SIGKILL')
          await rig.worker.waitExit(5_000)
          // No worker runs now: what is still in the active list was orphaned by the killed one.
          rig.notes.push(`SIGKILL while ${active} job(s) were active; ${await rig.activeJobs()} left orphaned for stalled-job recovery`)
        },
      },
      { atMs: FAULT_AT_MS + WORKER_DOWN_MS, run: () => rig.startWorker() },
    ],
  },
  {
    key: 'slow_readers',
    title: `${SLOW_READERS} clients never read a large response`,
    fault: `from 5 s to 12 s, ${SLOW_READERS} raw-socket clients each ask for a 32 MiB response and read none of it, then hang up`,
    events: (rig) => slowReaders(rig),
  },
  {
    key: 'gateway_sigterm',
    title: 'gateway SIGTERM (drain)',
    fault: 'the gateway gets SIGTERM at 10 s; the client keeps sending on its keep-alive pool',
    gatewayExits: true,
    events: (rig) => [{ atMs: SIGTERM_AT_MS, run: () => rig.gateway.signal('SIGTERM') }],
  },
  {
    key: 'influx_down_worker_kill',
    title: 'InfluxDB stopped, worker SIGKILLed meanwhile',
    fault: `influxd gets SIGTERM at 5 s; at 8 s the audit worker gets SIGKILL and a new one starts ${WORKER_DOWN_MS / 1000} s later; influxd starts again at 12 s`,
    events: (rig, stack) => [
      { atMs: FAULT_AT_MS, run: () => stack.influx.stop() },
      {
        atMs: FAULT_AT_MS + 3_000,
        run: async () => {
          // Every job judged while InfluxDB was down is still in Redis (delayed), none in the dead worker's memory.
          const held = await rig.delayedJobs()
          rig.worker.signal('SIGKILL')
          await rig.worker.waitExit(5_000)
          rig.notes.push(`SIGKILL while ${held} job(s) waited (delayed) for InfluxDB`)
        },
      },
      { atMs: FAULT_AT_MS + 3_000 + WORKER_DOWN_MS, run: () => rig.startWorker() },
      { atMs: HEAL_AT_MS, run: () => stack.influx.start() },
    ],
  },
  {
    key: 'redis_frozen',
    title: `Redis frozen ${REDIS_FROZEN_MS / 1000} s (SIGSTOP)`,
    fault: `redis-server gets SIGSTOP at 5 s and SIGCONT ${REDIS_FROZEN_MS / 1000} s later: connections stay open, writes go unanswered, then run`,
    events: (rig, stack) => [
      { atMs: FAULT_AT_MS, run: async () => stack.redis.signal('SIGSTOP') },
      {
        atMs: FAULT_AT_MS + REDIS_FROZEN_MS,
        run: async () => {
          stack.redis.signal('SIGCONT')
          rig.notes.push(`${(await rig.gatewayCounts()).unknown} pair(s) of unanswered writes when Redis resumed`)
        },
      },
    ],
  },
]
