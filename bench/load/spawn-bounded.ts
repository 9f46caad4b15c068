import { spawn, type ChildProcess } from 'node:child_process'

const running = new Set<ChildProcess>()

/** Kills load-generator processes still running (on SIGINT or on the way out). */
export function killLoadGenerators(): void {
  for (const p of running) p.kill('SIGKILL')
}

/** Runs a command to completion and returns its stdout; killed after `timeoutMs` so a run cannot hang. */
export async function spawnBounded(cmd: string, args: readonly string[], timeoutMs: number): Promise<string> {
  const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (c, signal) => resolve(c ?? signal ?? 'unknown'))
    })
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} ended with ${code}: ${err.trim() || out.slice(0, 1_000)}`)
    return out
  } finally {
    clearTimeout(timer)
    running.delete(child)
  }
}
