import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const run = promisify(execFile)
/** The built script, as `npm run bench:sizing` runs it (`npx tsc -b` first). */
const SIZING = fileURLToPath(new URL('../../bench/dist/sizing/sizing.js', import.meta.url))

const redis = (cmds: number, cpu: number): object => ({ commandsPerPair: cmds, scriptCallsPerPair: 0, cpuUsPerPair: cpu, byCommand: {} })
const GATEWAY = { v: 1, bench: 'gateway', targets: [{ key: 'sg-off', cpuUsPerRequest: 40 }, { key: 'sg-fast', cpuUsPerRequest: 80 }, { key: 'sg-audit', cpuUsPerRequest: 100 }] }
const AUDIT = { v: 1, bench: 'audit', cases: [{ label: '4 KB', concurrency: 4, pairsPerS: 2_000, redisEnqueue: redis(0.1, 5), redisWorker: redis(0.4, 20) }] }

describe('npm run bench:sizing', () => {
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sg-sizing-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prints the table for 10k, 100k, 1M and the asked rate from the benches\' JSON', async () => {
    await writeFile(join(dir, 'g.json'), JSON.stringify(GATEWAY))
    await writeFile(join(dir, 'a.json'), JSON.stringify(AUDIT))
    const { stdout } = await run(process.execPath, [SIZING, '--rps', '250000', '--mirror', '10', '--audit', '10', '--utilisation', '0.5', '--from', join(dir, 'g.json'), '--from', join(dir, 'a.json')])
    // 100000 × 40 + 10000 × 40 + 1000 × 20 = 4.42 cores → ⌈4.42 / (0.5 × 0.9)⌉ = 10 processes; 1000 pairs/s → 1 worker; 25 µs/pair → 1 Redis
    expect(stdout).toContain('| 100,000 | 10,000 | 1,000 | 4.42 | 10 | 0.50 | 1 | 500 | 0.03 | 1 |')
    expect(stdout.split('\n').filter((l) => /^\| [\d,]+ \|/.test(l)).map((l) => l.split('|')[1]?.trim())).toEqual(['10,000', '100,000', '250,000', '1,000,000'])
  })

  it('exits 1 naming what is missing when a unit cost has no source, and 2 on a bad flag', async () => {
    await writeFile(join(dir, 'g.json'), JSON.stringify(GATEWAY))
    const missing = run(process.execPath, [SIZING, '--rps', '1000', '--mirror', '10', '--audit', '10', '--from', join(dir, 'g.json')])
    await expect(missing).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('missing: worker pairs/s') })
    await expect(run(process.execPath, [SIZING, '--rps', '1000', '--mirror', '150', '--audit', '10'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--mirror must be a number between 0 and 100') })
  })
})
