import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor, startInfluxd, type TestInflux } from '@shadowgate/dev-helpers'

/** The built CLI, as `npm run demo` runs it. */
const CLI_MAIN = fileURLToPath(new URL('../../../cli/dist/src/main.js', import.meta.url))
const ROUTES = ['products-list', 'product', 'categories', 'search', 'orders']
const RUN_TIMEOUT_MS = 45_000

interface DemoRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * The demo's temp root (its TMPDIR): the demo's own folders are checked here, so other demo runs on
 * the machine, which use the shared temp dir, cannot make this file fail.
 */
const demoTmp = mkdtempSync(join(tmpdir(), 'sg-demo-tmp-'))

/** The environment without anything that would point the demo elsewhere, temp folders in `demoTmp`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) if (name.startsWith('INFLUX_') || name === 'REDIS_URL' || name === 'NO_COLOR') delete env[name]
  return { ...env, TMPDIR: demoTmp, ...extra }
}

/**
 * Runs `shadowgate demo`; `interrupt` is polled with the output so far and SIGINT is sent once it is
 * true. With `times` 2 a second SIGINT follows as soon as the demo says it is stopping.
 */
async function runDemo(args: readonly string[], env: NodeJS.ProcessEnv, interrupt?: (stderr: string) => boolean, times = 1): Promise<DemoRun> {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run npx tsc -b first`)
  const child = spawn(process.execPath, [CLI_MAIN, 'demo', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let sent = 0
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    if (!interrupt || sent >= times) return
    if (sent === 0 ? interrupt(stderr) : stderr.includes('stopping everything it started')) {
      sent++
      child.kill('SIGINT')
    }
  })
  const killer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)))
  clearTimeout(killer)
  return { code, stdout, stderr }
}

function demoDirs(): Set<string> {
  return new Set(readdirSync(demoTmp).filter((n) => n.startsWith('shadowgate-demo-')))
}

function redisPort(stderr: string): number {
  const m = /redis-server on 127\.0\.0\.1:(\d+)/.exec(stderr)
  if (!m?.[1]) throw new Error(`the demo did not say where its redis-server listens:\n${stderr}`)
  return Number(m[1])
}

async function portOpen(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port })
    sock.setTimeout(1_000)
    sock.once('connect', () => {
      sock.destroy()
      resolve(true)
    })
    sock.once('error', () => resolve(false))
    sock.once('timeout', () => {
      sock.destroy()
      resolve(false)
    })
  })
}

interface ReportRow {
  readonly requests: number
  readonly mirrored: number
  readonly audited: number
  readonly mismatched: number
  readonly rate: string
}

/** The per-route table of the report. */
function reportRows(stdout: string): Map<string, ReportRow> {
  const rows = new Map<string, ReportRow>()
  for (const line of stdout.split('\n')) {
    const m = /^\s+([a-z-]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d %)/.exec(line)
    if (m?.[1]) rows.set(m[1], { requests: Number(m[2]), mirrored: Number(m[3]), audited: Number(m[4]), mismatched: Number(m[5]), rate: m[6] ?? '' })
  }
  return rows
}

function explain(run: DemoRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr.slice(-5_000)}`
}

describe('shadowgate demo', () => {
  let influx: TestInflux | undefined
  afterAll(async () => {
    await influx?.close()
    rmSync(demoTmp, { recursive: true, force: true })
  })

  it('runs the whole pipeline with no configuration, reports what the audit found and leaves nothing behind', { timeout: 60_000 }, async () => {
    const before = demoDirs()
    const run = await runDemo(['--duration', '4', '--no-color'], cleanEnv())
    expect(run.code, explain(run)).toBe(0)
    const rows = reportRows(run.stdout)
    for (const route of ROUTES) {
      const row = rows.get(route)
      expect(row, `${route} in the report\n${explain(run)}`).toBeDefined()
      expect(row?.audited, `${route} audited`).toBeGreaterThan(0)
      expect(row?.mirrored, `${route} mirrored`).toBeGreaterThanOrEqual(row?.audited ?? 0)
    }
    // The designed differences: the renamed field and price rounding on every pair, nothing on the
    // categories once the reordering is declared, and the noise fields never reported.
    expect(rows.get('product')?.rate).toBe('100.0 %')
    expect(rows.get('products-list')?.rate).toBe('100.0 %')
    expect(rows.get('categories')?.rate).toBe('0.0 %')
    expect(run.stdout).toMatch(/product\s+\$\.title\s+added/)
    expect(run.stdout).toMatch(/product\s+\$\.name\s+removed/)
    expect(run.stdout).toMatch(/products-list\s+\$\.items\[\*\]\.price\s+changed/)
    expect(run.stdout).not.toMatch(/\$\.(generatedAt|requestId)\s+changed/)
    expect(run.stdout).toMatch(/pairs audited \(\d+ judged\), \d+ mismatched \(\d+\.\d % of judged pairs\)/)
    expect(run.stdout).toMatch(/route\s+requests\s+mirrored\s+audited\s+mismatched\s+mismatch rate\s+unjudged\s+other outcomes/)
    expect(run.stdout).toContain('Sample diff')
    expect(run.stdout).toContain('Grafana')
    expect(run.stdout).toContain('http://localhost:3000/d/shadowgate-mirror-audit')
    expect(run.stdout).toContain('shadowgate mismatches')
    expect(run.stdout).not.toContain('\u001b[')
    // The ramp went through the admin API.
    for (const p of [10, 50, 100]) expect(run.stderr).toContain(`{"percent": ${p}}`)
    expect(await portOpen(redisPort(run.stderr))).toBe(false)
    expect([...demoDirs()].filter((d) => !before.has(d))).toEqual([])
  })

  it('stops everything and exits 130 on Ctrl-C', { timeout: 60_000 }, async () => {
    const before = demoDirs()
    let whileRunning = new Set<string>()
    const run = await runDemo(['--duration', '30', '--no-color'], cleanEnv(), (stderr) => {
      const ramping = stderr.includes('mirror 10 % on every catalog route')
      if (ramping) whileRunning = demoDirs()
      return ramping
    })
    expect(run.code, explain(run)).toBe(130)
    // The check below looks in the right place: the running demo's redis-server folder was there.
    expect(whileRunning.size, explain(run)).toBe(before.size + 1)
    expect(run.stderr).toContain('interrupted')
    expect(run.stdout).not.toContain('shadowgate demo report')
    const port = redisPort(run.stderr)
    await waitFor(async () => !(await portOpen(port)), 5_000, `redis-server on ${port} to be gone`)
    expect([...demoDirs()].filter((d) => !before.has(d))).toEqual([])
  })

  it('exits at once on a second Ctrl-C, still taking its redis-server down', { timeout: 60_000 }, async () => {
    const before = demoDirs()
    const run = await runDemo(['--duration', '30', '--no-color'], cleanEnv(), (stderr) => stderr.includes('mirror 10 % on every catalog route'), 2)
    expect(run.code, explain(run)).toBe(130)
    expect(run.stderr).toContain('second signal, exiting now')
    const port = redisPort(run.stderr)
    await waitFor(async () => !(await portOpen(port)), 5_000, `redis-server on ${port} to be gone`)
    expect([...demoDirs()].filter((d) => !before.has(d))).toEqual([])
  })

  it('with INFLUX_URL and INFLUX_DATABASE also writes the run to InfluxDB', { timeout: 90_000 }, async () => {
    influx = await startInfluxd()
    await influx.createDatabase('shadowgate_demo')
    const run = await runDemo(['--duration', '3', '--no-color'], cleanEnv({ INFLUX_URL: influx.url, INFLUX_DATABASE: 'shadowgate_demo' }))
    expect(run.code, explain(run)).toBe(0)
    const audited = Number(/(\d+) pairs audited/.exec(run.stdout)?.[1])
    expect(audited, explain(run)).toBeGreaterThan(0)
    expect(run.stdout).toMatch(/this run wrote \d+ lines to InfluxDB 1\.x at http:\/\/127\.0\.0\.1:\d+, database shadowgate_demo/)
    // One shadowgate_audit point per audited pair; the differing paths and the gateway's counters beside them.
    const points = await influx.query('SELECT count("judged") FROM "shadowgate_audit"', 'shadowgate_demo')
    expect(points[0]?.values[0]?.[1]).toBe(audited)
    const diffs = await influx.query(`SELECT sum("pairs") FROM "shadowgate_field_diff" WHERE "path" = '$.title'`, 'shadowgate_demo')
    expect(Number(diffs[0]?.values[0]?.[1])).toBeGreaterThan(0)
    const mirrored = await influx.query(`SELECT sum("count") FROM "shadowgate_gateway" WHERE "reason" = 'mirrored'`, 'shadowgate_demo')
    expect(Number(mirrored[0]?.values[0]?.[1])).toBe(Number(/(\d+) copies sent to the shadow/.exec(run.stdout)?.[1]))
  })

  it('without REDIS_URL and without redis-server on the PATH, says how to install Redis', { timeout: 30_000 }, async () => {
    const before = demoDirs()
    const run = await runDemo(['--duration', '1', '--no-color'], cleanEnv({ PATH: '/nonexistent' }))
    expect(run.code, explain(run)).toBe(1)
    expect(run.stderr).toContain('redis-server is not on the PATH')
    expect(run.stderr).toContain('apt-get install redis-server')
    expect(run.stderr).toContain('REDIS_URL=redis://127.0.0.1:6379')
    expect([...demoDirs()].filter((d) => !before.has(d))).toEqual([])
  })

  it('refuses bad options and a half-set InfluxDB environment with exit 2 and a clear message', { timeout: 30_000 }, async () => {
    const bad = await runDemo(['--duration', 'soon'], cleanEnv())
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--duration must be a number of seconds')
    const influxHalf = await runDemo(['--duration', '1'], cleanEnv({ INFLUX_URL: 'http://127.0.0.1:1' }))
    expect(influxHalf.code).toBe(2)
    expect(influxHalf.stderr).toContain('neither INFLUX_TOKEN')
    const unreachable = await runDemo(['--duration', '1'], cleanEnv({ INFLUX_URL: 'http://127.0.0.1:1', INFLUX_DATABASE: 'demo' }))
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain('INFLUX_URL=http://127.0.0.1:1 does not answer')
    const help = await runDemo(['--help'], cleanEnv())
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: shadowgate demo')
  })
})
