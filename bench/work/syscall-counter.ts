import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ATTACH_TIMEOUT_MS = 10_000
const DETACH_TIMEOUT_MS = 10_000

/** True when `strace` can be run here. */
export function straceAvailable(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0
}

/** Parses `strace -c` output into calls per syscall name (the `total` row left out). */
export function parseStraceSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>()
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/)
    // % time, seconds, usecs/call, calls, [errors], syscall
    if (cols.length < 5 || !/^\d+(\.\d+)?$/.test(cols[0] ?? '')) continue
    const name = cols[cols.length - 1] ?? ''
    const n = Number(cols[3])
    if (name !== 'total' && Number.isInteger(n)) calls.set(name, n)
  }
  return calls
}

/**
 * Counts the system calls of process `pid` (every thread) while `during` runs, with `strace -c`:
 * attached before, detached after. strace slows the process down; counts, not times, are the result.
 */
export async function countSyscalls(pid: number, during: () => Promise<void>): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'shadowgate-strace-'))
  const out = join(dir, 'summary.txt')
  try {
    const strace = spawn('strace', ['-c', '-f', '-p', String(pid), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    const exited = new Promise<number | null>((resolve) => strace.once('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`strace did not attach to ${pid} within ${ATTACH_TIMEOUT_MS} ms: ${stderr.trim()}`)), ATTACH_TIMEOUT_MS)
      strace.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d
        if (stderr.includes('attached')) {
          clearTimeout(timer)
          resolve()
        }
      })
      void exited.then((code) => {
        clearTimeout(timer)
        reject(new Error(`strace exited (${code}) before attaching to ${pid}: ${stderr.trim()}`))
      })
    })
    try {
      await during()
    } finally {
      strace.kill('SIGINT')
      const timer = setTimeout(() => strace.kill('SIGKILL'), DETACH_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    return parseStraceSummary(readFileSync(out, 'utf8'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
