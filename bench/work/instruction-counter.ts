import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BenchProcesses } from '../bench-processes.js'
import type { ChildSpec } from '../child-protocol.js'
import { sendFixedCount } from './fixed-count-load.js'

/**
 * Requests before counting starts. Under callgrind the JIT needs thousands of requests before the
 * hot paths run optimized code; counted earlier, instructions measure the interpreter.
 */
export const INSTRUCTION_WARMUP_REQUESTS = 4_000
/** Requests counted per window: enough to cover many batches and collections, few enough for valgrind's pace. */
export const INSTRUCTION_WINDOW_REQUESTS = 2_000

export function callgrindAvailable(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Reads callgrind's own total of the instructions it collected ("Collected : N") from its exit summary. */
export function collectedInstructions(stderr: string): number | undefined {
  const m = /Collected : (\d+)/.exec(stderr)
  return m ? Number(m[1]) : undefined
}

/**
 * CPU instructions per request of a proxy process, counted by valgrind's callgrind: the proxy runs
 * under it with collection off, is warmed up, then collection is switched on for a fixed number of
 * requests and off again. The count does not move with the machine's load, as CPU time does; it
 * leaves out what the kernel does, and JIT compilation that happens to fall in the window adds a few
 * per cent, so several rounds are worth taking.
 */
export async function countInstructions(procs: BenchProcesses, name: string, spec: ChildSpec, path: string, connections: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-bench-callgrind-'))
  try {
    const { child, url } = await procs.child(name, spec, {
      execPath: 'valgrind',
      // --single-threaded: V8's background compiler and GC helpers would otherwise interleave with the
      // measured thread under valgrind's one-thread-at-a-time scheduling.
      execArgv: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'callgrind.out')}`, process.execPath, '--single-threaded'],
      startTimeoutMs: 180_000,
      closeTimeoutMs: 60_000,
    })
    const pid = String(child.pid)
    await sendFixedCount(url, path, INSTRUCTION_WARMUP_REQUESTS, connections)
    execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' })
    const { failed } = await sendFixedCount(url, path, INSTRUCTION_WINDOW_REQUESTS, connections)
    execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' })
    await child.close()
    const total = collectedInstructions(child.stderr)
    if (total === undefined) throw new Error(`${name}: callgrind reported no instruction total`)
    if (failed > 0) throw new Error(`${name}: ${failed} of ${INSTRUCTION_WINDOW_REQUESTS} requests failed under callgrind`)
    return total / INSTRUCTION_WINDOW_REQUESTS
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
