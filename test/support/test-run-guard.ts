import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeLeftover, descendantsOf, findLeftovers, killLeftovers, listProcesses, processKey, type Leftover, type RunMarks } from './leftover-processes.js'

/**
 * Vitest global setup: a test run leaves no process and no temp folder behind, checked by the run.
 *
 * setup: gives the run an environment entry (SHADOWGATE_TEST_RUN, unique to the run) and its own
 * temp root (TMPDIR), both inherited by the test workers and everything they start.
 * teardown: finds the processes the run started that are still alive (leftover-processes.ts),
 * reports them, SIGKILLs them and fails the run (exit code 1); lists what is left in the temp
 * root, then removes it.
 */

export const RUN_ENV_NAME = 'SHADOWGATE_TEST_RUN'
/** The machine's temp dir, as it was before the run pointed TMPDIR at its own root. */
export const OUTER_TMPDIR_ENV = 'SHADOWGATE_TEST_OUTER_TMPDIR'
/** Prefix of the run's temp root, beside which nothing of the run is created. */
export const RUN_TMP_PREFIX = 'sg-test-run-'
/** Temp folder prefixes of the test helpers and of what the tests start, to name a leftover's owner. */
export const KNOWN_TEMP_PREFIXES: Readonly<Record<string, string>> = {
  'sg-redis-': 'dev-helpers/src/redis-server.ts',
  'sg-influx-': 'dev-helpers/src/influxd.ts',
  'sg-vm-': 'dev-helpers/src/victoria-metrics.ts',
  'shadowgate-demo-': "the demo's redis-server",
  'sg-demo-tmp-': 'test/demo/run-demo-command.test.ts',
}
/** How long a process may take to finish exiting after the last test before it counts as left over. */
const EXIT_GRACE_MS = 3_000

/** A test run's marks and what setup changed, to undo at the end. */
export interface TestRun {
  readonly marks: RunMarks
  readonly previous: { readonly tmpdir: string | undefined; readonly mark: string | undefined; readonly outer: string | undefined }
}

/** What the end of a run found: processes still alive (now killed) and what was left in its temp root. */
export interface RunLeftovers {
  readonly processes: readonly Leftover[]
  readonly killed: readonly number[]
  readonly tempEntries: readonly string[]
}

function isVitestWorker(p: { cmdline: string }): boolean {
  return /[\\/]vitest[\\/]dist[\\/]workers[\\/]/.test(p.cmdline)
}

/** Marks this process's environment for a run: the entry and TMPDIR everything started from now on inherits. */
export function startRun(): TestRun {
  const processes = listProcesses()
  const below = descendantsOf(process.pid, processes)
  const marks: RunMarks = {
    rootPid: process.pid,
    envName: RUN_ENV_NAME,
    envValue: `${process.pid}-${randomUUID()}`,
    tmpRoot: mkdtempSync(join(tmpdir(), RUN_TMP_PREFIX)),
    preexisting: new Set(processes.filter((p) => below.has(p.pid)).map(processKey)),
    isRunnerWorker: isVitestWorker,
  }
  const run: TestRun = { marks, previous: { tmpdir: process.env['TMPDIR'], mark: process.env[RUN_ENV_NAME], outer: process.env[OUTER_TMPDIR_ENV] } }
  process.env[OUTER_TMPDIR_ENV] ??= tmpdir()
  process.env[RUN_ENV_NAME] = marks.envValue
  process.env['TMPDIR'] = marks.tmpRoot
  return run
}

async function settledLeftovers(marks: RunMarks, graceMs: number): Promise<Leftover[]> {
  const deadline = Date.now() + graceMs
  for (;;) {
    const found = findLeftovers(marks)
    if (found.length === 0 || Date.now() >= deadline) return found
    await new Promise((r) => setTimeout(r, 100))
  }
}

function leftoverEntries(tmpRoot: string): string[] {
  try {
    return readdirSync(tmpRoot).map((name) => {
      const owner = Object.entries(KNOWN_TEMP_PREFIXES).find(([prefix]) => name.startsWith(prefix))?.[1]
      return owner ? `${name} (${owner})` : name
    })
  } catch {
    return []
  }
}

/** Where a test writes what must outlive the run (a report): the machine's temp dir, not the run's root. */
export function outerTmpdir(): string {
  return process.env[OUTER_TMPDIR_ENV] ?? tmpdir()
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

/**
 * Ends a run: finds its processes still alive after `graceMs` and SIGKILLs them, lists and removes
 * its temp root, and restores the environment startRun() changed.
 */
export async function finishRun(run: TestRun, graceMs = EXIT_GRACE_MS): Promise<RunLeftovers> {
  const { marks } = run
  const processes = await settledLeftovers(marks, graceMs)
  const killed = killLeftovers(processes)
  const tempEntries = leftoverEntries(marks.tmpRoot)
  rmSync(marks.tmpRoot, { recursive: true, force: true })
  restoreEnv('TMPDIR', run.previous.tmpdir)
  restoreEnv(RUN_ENV_NAME, run.previous.mark)
  restoreEnv(OUTER_TMPDIR_ENV, run.previous.outer)
  return { processes, killed, tempEntries }
}

// Vitest runs global setups once per project, in the same process: the first setup starts the
// run, the last teardown checks it.
const STATE = Symbol.for('shadowgate.testRunGuard')
type GuardGlobal = typeof globalThis & { [STATE]?: { refs: number; readonly run: TestRun } }

export function setup(): void {
  const g = globalThis as GuardGlobal
  const state = g[STATE]
  if (state) state.refs++
  else g[STATE] = { refs: 1, run: startRun() }
}

export async function teardown(): Promise<void> {
  const g = globalThis as GuardGlobal
  const state = g[STATE]
  if (!state || --state.refs > 0) return
  g[STATE] = undefined
  const found = await finishRun(state.run)
  if (found.processes.length > 0) {
    process.exitCode = 1
    console.error(`\nFAIL: ${found.processes.length} process(es) started by this test run were still running after it (now killed):\n${found.processes.map((l) => `  ${describeLeftover(l)}`).join('\n')}\n`)
  }
  if (found.tempEntries.length > 0) console.error(`\nLeft in the test run's temp dir ${state.run.marks.tmpRoot} (removed now):\n${found.tempEntries.map((e) => `  ${e}`).join('\n')}\n`)
}
