import { readFileSync, readdirSync } from 'node:fs'

/** Linux reports process CPU time in USER_HZ ticks, 100 per second on every mainstream kernel. */
const TICKS_PER_S = 100

/** Fields after the command name of /proc/<pid>/stat (the name may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid)
  // After the name: state(0) ppid(1) ... utime(11) stime(12).
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_S : 0
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}

/** The direct children of a process (e.g. the workers of a node:cluster primary), only those named `comm` when given. */
export function childPids(ppid: number, comm?: string): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    if (statFields(Number(name))?.[1] === String(ppid) && (comm === undefined || commOf(Number(name)) === comm)) out.push(Number(name))
  }
  return out
}

/** Busy and total CPU seconds of the whole machine, summed over cores, from /proc/stat. */
export function machineSeconds(): { busy: number; total: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const n = first.trim().split(/\s+/).slice(1).map(Number)
  const total = n.reduce((a, b) => a + b, 0)
  // idle + iowait are the idle time.
  const idle = (n[3] ?? 0) + (n[4] ?? 0)
  return { busy: (total - idle) / TICKS_PER_S, total: total / TICKS_PER_S }
}

/** CPU use over a window: cores busy, per named group of processes and for the machine. */
export class CpuWindow {
  readonly #groups: ReadonlyMap<string, readonly number[]>
  readonly #start: ReadonlyMap<string, number>
  readonly #machine = machineSeconds()
  readonly #t0 = performance.now()

  constructor(groups: Readonly<Record<string, readonly number[]>>) {
    this.#groups = new Map(Object.entries(groups))
    this.#start = new Map([...this.#groups].map(([g, pids]) => [g, pids.reduce((a, p) => a + cpuSeconds(p), 0)]))
  }

  /** Average cores used since construction, per group, plus `machine` (all processes) and `other` (the rest of the machine). */
  end(): Record<string, number> {
    const seconds = (performance.now() - this.#t0) / 1_000
    const out: Record<string, number> = {}
    let known = 0
    for (const [g, pids] of this.#groups) {
      const used = pids.reduce((a, p) => a + cpuSeconds(p), 0) - (this.#start.get(g) ?? 0)
      out[g] = used / seconds
      known += out[g]
    }
    const m = machineSeconds()
    out['machine'] = (m.busy - this.#machine.busy) / seconds
    out['other'] = Math.max(0, out['machine'] - known)
    return out
  }
}
