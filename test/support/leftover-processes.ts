import { readdirSync, readFileSync } from 'node:fs'

/** One process as /proc shows it. `startTime` (clock ticks since boot) tells a process from a later one with the same pid. */
export interface ProcessEntry {
  readonly pid: number
  readonly ppid: number
  readonly state: string
  readonly startTime: string
  readonly cmdline: string
}

/** What marks a process as started by this test run. */
export interface RunMarks {
  /** The test runner's main process: everything below it was started by the run. */
  readonly rootPid: number
  /** An environment entry set for the run and inherited by whatever it starts (also after reparenting). */
  readonly envName: string
  readonly envValue: string
  /** The run's own temp root: the servers the helpers start name their data dir in their arguments. */
  readonly tmpRoot: string
  /** Processes alive before the run started anything (the runner's own helpers), as `pid:startTime`. */
  readonly preexisting: ReadonlySet<string>
  /** The runner's own worker processes (children of `rootPid` it starts and ends itself). */
  readonly isRunnerWorker?: (p: ProcessEntry) => boolean
}

export type LeftoverReason = 'descendant' | 'run environment' | 'run temp dir'

export interface Leftover extends ProcessEntry {
  readonly reasons: readonly LeftoverReason[]
}

export function processKey(p: Pick<ProcessEntry, 'pid' | 'startTime'>): string {
  return `${p.pid}:${p.startTime}`
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1')
  } catch {
    return undefined // gone meanwhile, or not ours to read
  }
}

/** One process, or undefined when it is gone. */
export function readProcess(pid: number): ProcessEntry | undefined {
  const stat = readProc(pid, 'stat')
  if (stat === undefined) return undefined
  // The command name in parentheses may itself contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const [state, ppid] = fields
  const startTime = fields[19]
  if (state === undefined || ppid === undefined || startTime === undefined) return undefined
  const cmdline = (readProc(pid, 'cmdline') ?? '').split('\0').filter((a) => a !== '').join(' ')
  return { pid, ppid: Number(ppid), state, startTime, cmdline }
}

/** Every process on the machine (Linux /proc). */
export function listProcesses(): ProcessEntry[] {
  const out: ProcessEntry[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const p = readProcess(Number(name))
    if (p) out.push(p)
  }
  return out
}

function hasEnv(pid: number, name: string, value: string): boolean {
  const environ = readProc(pid, 'environ')
  return environ !== undefined && environ.split('\0').includes(`${name}=${value}`)
}

/** Pids below `rootPid` in the process tree, from a snapshot of every process. */
export function descendantsOf(rootPid: number, processes: readonly ProcessEntry[]): Set<number> {
  const children = new Map<number, number[]>()
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid])
  const found = new Set<number>()
  const todo = [...(children.get(rootPid) ?? [])]
  while (todo.length > 0) {
    const pid = todo.pop() as number
    if (found.has(pid)) continue
    found.add(pid)
    todo.push(...(children.get(pid) ?? []))
  }
  return found
}

/**
 * The live processes the run started, by any of three marks, so that neither reparenting (an
 * orphan's parent becomes init) nor a scrubbed environment alone hides one: below the runner in
 * the tree, carrying the run's environment entry, or naming the run's temp root in its arguments.
 * An unrelated process (another engineer's run, the Redis on 6379) carries none of them: it is
 * not below this runner, the entry's value is unique to the run, and so is the temp root.
 * Zombies are dead already; the runner itself and what ran before the run are not counted.
 */
export function findLeftovers(marks: RunMarks, processes: readonly ProcessEntry[] = listProcesses()): Leftover[] {
  const below = descendantsOf(marks.rootPid, processes)
  const out: Leftover[] = []
  for (const p of processes) {
    if (p.pid === marks.rootPid || p.state === 'Z' || marks.preexisting.has(processKey(p))) continue
    if (p.ppid === marks.rootPid && marks.isRunnerWorker?.(p) === true) continue
    const reasons: LeftoverReason[] = []
    if (below.has(p.pid)) reasons.push('descendant')
    if (hasEnv(p.pid, marks.envName, marks.envValue)) reasons.push('run environment')
    if (p.cmdline.includes(marks.tmpRoot)) reasons.push('run temp dir')
    if (reasons.length > 0) out.push({ ...p, reasons })
  }
  return out
}

/**
 * SIGKILLs each leftover that is still the same process (same pid and start time), so a pid reused
 * by an unrelated process since it was found is never hit. Returns the pids signalled.
 */
export function killLeftovers(leftovers: readonly ProcessEntry[]): number[] {
  const killed: number[] = []
  for (const l of leftovers) {
    const now = readProcess(l.pid)
    if (now === undefined || now.startTime !== l.startTime || now.state === 'Z') continue
    try {
      process.kill(l.pid, 'SIGKILL')
      killed.push(l.pid)
    } catch {
      // exited in between
    }
  }
  return killed
}

/** One line per leftover, for the failure report. */
export function describeLeftover(l: Leftover): string {
  return `pid ${l.pid} (parent ${l.ppid}; ${l.reasons.join(', ')}): ${l.cmdline.slice(0, 300) || '(no command line)'}`
}
