/**
 * What a stretch of work cost Redis: commands run (INFO commandstats, which counts the commands a
 * Lua script runs as well as the script call) and CPU seconds of redis-server (INFO cpu). Read
 * before and after; the difference divided by pairs is what the sizing guide needs per pair.
 */

/** Anything that answers INFO, e.g. the ioredis client of a BullMQ Queue. */
export interface InfoClient {
  info(section: string): Promise<string>
}

export interface RedisCost {
  /** Command calls by command name (lower case, e.g. evalsha, hset). */
  readonly calls: Readonly<Record<string, number>>
  /** used_cpu_user + used_cpu_sys of redis-server, seconds. */
  readonly cpuS: number
}

/** Parses `cmdstat_<name>:calls=N,...` lines; anything else is ignored. */
export function parseCommandStats(text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = Number(m[2])
  }
  return out
}

/** Parses used_cpu_user and used_cpu_sys (seconds) of INFO cpu; throws naming what is missing. */
export function parseCpuSeconds(text: string): number {
  const read = (key: string): number => {
    const m = new RegExp(`^${key}:([0-9.]+)`, 'm').exec(text)
    if (m?.[1] === undefined) throw new Error(`INFO cpu has no ${key}`)
    return Number(m[1])
  }
  return read('used_cpu_user') + read('used_cpu_sys')
}

export async function readRedisCost(client: InfoClient): Promise<RedisCost> {
  const [stats, cpu] = await Promise.all([client.info('commandstats'), client.info('cpu')])
  return { calls: parseCommandStats(stats), cpuS: parseCpuSeconds(cpu) }
}

/** Per-pair figures of the work between two readings. */
export interface RedisCostPerPair {
  readonly commandsPerPair: number
  /** Script calls (evalsha, eval, fcall) per pair: one per BullMQ operation. */
  readonly scriptCallsPerPair: number
  readonly cpuUsPerPair: number
  /** Commands per pair by command name, the busiest first. */
  readonly byCommand: Readonly<Record<string, number>>
}

export function costPerPair(before: RedisCost, after: RedisCost, pairs: number): RedisCostPerPair {
  let commands = 0
  let scripts = 0
  const deltas: Array<[string, number]> = []
  for (const [name, n] of Object.entries(after.calls)) {
    const d = n - (before.calls[name] ?? 0)
    if (d > 0) deltas.push([name, d])
    commands += d
    if (name === 'evalsha' || name === 'eval' || name === 'fcall') scripts += d
  }
  const per = (v: number): number => (pairs > 0 ? v / pairs : Number.NaN)
  deltas.sort((a, b) => b[1] - a[1])
  const byCommand = Object.fromEntries(deltas.map(([name, d]) => [name, per(d)]))
  return { commandsPerPair: per(commands), scriptCallsPerPair: per(scripts), cpuUsPerPair: per((after.cpuS - before.cpuS) * 1e6), byCommand }
}
