import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '@shadowgate/dev-helpers'
import { findLeftovers, killLeftovers, processKey, readProcess, type RunMarks } from './leftover-processes.js'
import { finishRun, RUN_ENV_NAME, startRun } from './test-run-guard.js'

/** A node process that idles for `seconds` (bounded: it exits on its own if everything else fails). */
const IDLE = (seconds: number): string[] => ['-e', `setTimeout(() => undefined, ${seconds * 1_000})`]

describe('leftover process detection (on real processes)', () => {
  const pids: number[] = []
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL')
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })

  const marks = (extra: Partial<RunMarks> = {}): RunMarks => ({
    rootPid: process.pid,
    envName: 'SG_LEFTOVER_TEST',
    envValue: randomUUID(),
    tmpRoot: `/tmp/sg-leftover-test-${randomUUID()}`,
    preexisting: new Set(),
    ...extra,
  })

  function child(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const c = spawn(process.execPath, args, { env, stdio: 'ignore' })
    children.push(c)
    return c
  }

  /** Starts a process through a shell that exits at once, so the process is reparented away from this tree. */
  async function orphan(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
    const sh = spawn('/bin/sh', ['-c', `${quoted} >/dev/null 2>&1 </dev/null & echo $!`], { env, stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    sh.stdout.on('data', (d: Buffer) => (out += d.toString()))
    await new Promise<void>((resolve) => sh.once('close', () => resolve()))
    const pid = Number(out.trim())
    pids.push(pid)
    await waitFor(() => readProcess(pid) !== undefined && readProcess(pid)?.ppid !== sh.pid, 5_000, `orphan ${pid} to be reparented`)
    return pid
  }

  it('finds a live child of the runner and one carrying the run environment, with why', async () => {
    const m = marks()
    const c = child(IDLE(30), { ...process.env, [m.envName]: m.envValue })
    await waitFor(() => readProcess(c.pid ?? 0)?.cmdline.includes('setTimeout') === true, 5_000, 'the child to run')
    const found = findLeftovers(m).find((l) => l.pid === c.pid)
    expect(found?.reasons).toEqual(['descendant', 'run environment'])
  })

  it('still finds a process reparented away from the runner (an orphan), by its environment', async () => {
    const m = marks()
    const pid = await orphan(IDLE(30), { ...process.env, [m.envName]: m.envValue })
    const found = findLeftovers(m).find((l) => l.pid === pid)
    expect(found?.reasons).toEqual(['run environment'])
  })

  it('still finds an orphan started with a scrubbed environment, by the run temp dir in its arguments', async () => {
    const m = marks()
    const pid = await orphan([...IDLE(30), m.tmpRoot], { PATH: process.env['PATH'] ?? '' })
    const found = findLeftovers(m).find((l) => l.pid === pid)
    expect(found?.reasons).toEqual(['run temp dir'])
  })

  it('never counts an unrelated process: another run, processes before the run, the runner itself', async () => {
    const m = marks()
    // Another run's process: its own marker value, outside this tree.
    const other = await orphan(IDLE(30), { ...process.env, [m.envName]: randomUUID() })
    const alreadyThere = child(IDLE(30), { ...process.env })
    await waitFor(() => readProcess(alreadyThere.pid ?? 0)?.cmdline.includes('setTimeout') === true, 5_000, 'the child to run')
    const before = readProcess(alreadyThere.pid ?? 0)
    const found = findLeftovers({ ...m, preexisting: new Set(before ? [processKey(before)] : []) }).map((l) => l.pid)
    expect(found).not.toContain(other)
    expect(found).not.toContain(alreadyThere.pid)
    expect(found).not.toContain(process.pid)
    expect(found).not.toContain(process.ppid)
    expect(found).not.toContain(1)
  })

  it('kills what it found, and spares a pid whose start time no longer matches (reused)', async () => {
    const m = marks()
    const pid = await orphan(IDLE(30), { ...process.env, [m.envName]: m.envValue })
    const spared = child(IDLE(30), { ...process.env, [m.envName]: m.envValue })
    await waitFor(() => readProcess(spared.pid ?? 0)?.cmdline.includes('setTimeout') === true, 5_000, 'the child to run')
    const found = findLeftovers(m).filter((l) => l.pid === pid || l.pid === spared.pid)
    expect(found).toHaveLength(2)
    const reused = found.map((l) => (l.pid === spared.pid ? { ...l, startTime: `${l.startTime}1` } : l))
    expect(killLeftovers(reused)).toEqual([pid])
    await waitFor(() => readProcess(pid) === undefined || readProcess(pid)?.state === 'Z', 5_000, `pid ${pid} to die`)
    expect(readProcess(spared.pid ?? 0)?.state).not.toBe('Z')
    expect(spared.exitCode).toBeNull()
  })

  it('a run reports, and kills, a process it started that is still alive, and the temp folders left in its root', async () => {
    const tmpdirBefore = process.env['TMPDIR']
    const markBefore = process.env[RUN_ENV_NAME]
    const run = startRun()
    try {
      expect(process.env['TMPDIR']).toBe(run.marks.tmpRoot)
      expect(process.env[RUN_ENV_NAME]).toBe(run.marks.envValue)
      // Started the way a test starts things: the default environment, a folder under tmpdir().
      const leaked = await orphan(IDLE(30), process.env)
      const dir = mkdtempSync(join(tmpdir(), 'sg-redis-'))
      const found = await finishRun(run, 0)
      expect(found.processes.map((p) => p.pid)).toEqual([leaked])
      expect(found.killed).toEqual([leaked])
      expect(found.tempEntries).toEqual([`${basename(dir)} (dev-helpers/src/redis-server.ts)`])
      await waitFor(() => readProcess(leaked) === undefined || readProcess(leaked)?.state === 'Z', 5_000, `pid ${leaked} to die`)
      expect(existsSync(run.marks.tmpRoot)).toBe(false)
    } finally {
      await finishRun(run, 0)
    }
    expect(process.env['TMPDIR']).toBe(tmpdirBefore)
    expect(process.env[RUN_ENV_NAME]).toBe(markBefore)
    // Nothing started: nothing reported.
    const clean = startRun()
    expect(await finishRun(clean, 0)).toEqual({ processes: [], killed: [], tempEntries: [] })
  })
})
