import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startServer, type TestServer } from '@shadowgate/dev-helpers'
import { configDir } from '../gateway/cli/cli-config-file.js'
import { CliProcess, runCli } from '../gateway/cli/cli-process.js'

const TOKEN = 'cli-test-token-0123456789'

describe('shadowgate CLI: usage and config errors', () => {
  let dir: Awaited<ReturnType<typeof configDir>>
  beforeAll(async () => {
    dir = await configDir()
  })
  afterAll(async () => {
    await dir.remove()
  })

  it('prints help for the CLI and each command', async () => {
    const top = await runCli(['--help'])
    expect(top.code).toBe(0)
    expect(top.stdout).toMatch(/^Usage: shadowgate <command>/)
    // audit, mismatches and noise are the audit service's commands, reached through this CLI.
    for (const command of ['gateway', 'mirror', 'audit', 'mismatches', 'noise']) {
      const r = await runCli([command, '--help'])
      expect([r.code, r.stderr]).toEqual([0, ''])
      expect(r.stdout).toContain(`shadowgate ${command}`)
    }
  })

  it('rejects unknown commands, flags and bad values with usage on stderr and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^Usage: shadowgate <command>/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['gateway', '--frob'], /Unknown option '--frob'/],
      [['gateway', '--workers', 'two'], /--workers must be a whole number between 1 and 256 \(got "two"\)/],
      [['gateway', '--workers'], /argument missing|--workers/],
      [['mirror'], /mirror needs an action/],
      [['mirror', 'flip'], /unknown mirror action "flip"/],
      [['noise', 'flip'], /unknown noise command "flip"/],
      [['noise', 'suggest', '--min-rate', 'lots'], /--min-rate must be a percent between 0 and 100 \(got "lots"\)/],
      [['noise', 'apply', 'orders', '$.ts', '--ttl', '90d'], /--ttl must be a duration between 1s and 30d \(got "90d"\)/],
      [['mirror', 'set', 'users'], /mirror set takes <rule> <percent>/],
      [['mirror', 'set', 'users', 'lots'], /percent must be a number from 0 \(got "lots"\)/],
      [['load'], /load needs an action/],
      [['load', 'start', 'users', '--to', '300', '--step', '0', '--every', '1m'], /--step must be a number above 0 \(got "0"\)/],
      [['load', 'start', 'users', '--to', '300', '--step', '50'], /load start needs --every/],
      [['load', 'start', 'users', '--to', '300', '--step', '50', '--every', 'soon'], /--every must be a positive duration/],
      [['load', 'stop', 'users', '--to', '300'], /--to only goes with load start/],
      [['mirror', 'set', 'users', '5', '--ttl', 'soon'], /--ttl must be a positive duration/],
      [['mirror', 'set', 'users', '5', '--ttl', '99999999999d'], /--ttl must be at most 30d/],
      [['mirror', 'list', '--admin', 'ftp://x'], /--admin must be an http/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout, args.join(' ')).toBe('')
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.stderr).toContain('Usage:')
      if (args.length > 0) expect(r.stderr, args.join(' ')).toMatch(/^shadowgate: usage error: /)
    }
  })

  // Regression: "`shadowgate --version` (and `-V`) printed nothing useful".
  it('prints the version from its package.json with --version and -V', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../cli/package.json', import.meta.url), 'utf8')) as { version: string }
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag])
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `${version}\n`, ''])
    }
  })

  // Regression: "the audit and mismatches commands drop the `shadowgate: <kind> error:` prefix".
  it('prints every command\'s errors as "shadowgate: <kind> error: ..."', async () => {
    const port = await freePort()
    const cases: [string[], number, RegExp][] = [
      [['audit', '--bogus'], 2, /^shadowgate: usage error: Unknown option '--bogus'/],
      [['mismatches', '--limit', '0'], 2, /^shadowgate: usage error: --limit must be/],
      [['mismatches', '--url', `http://127.0.0.1:${port}`], 1, new RegExp(`^shadowgate: connection error: cannot reach the audit worker at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\n$`)],
      [['audit', '--config', '/nonexistent/shadowgate.yaml'], 2, /^shadowgate: config error: /],
      [['mirror', 'list', '--admin', `http://127.0.0.1:${port}`], 1, /^shadowgate: connection error: cannot reach the admin API/],
      [['demo', '--rate', '0'], 2, /^shadowgate: usage error: --rate must be/],
    ]
    for (const [args, code, message] of cases) {
      const r = await runCli(args)
      expect({ args, code: r.code }).toEqual({ args, code })
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  })

  it('reports a bad config as "config error", naming the key, with exit 2 and no stack trace', async () => {
    const bad = await dir.write('bad.yaml', 'primary: http://127.0.0.1:9\nshadow: http://127.0.0.1:10\nroutes:\n  - name: users\n    match: /users/*\n    mirror: { percent: 150 }\n')
    const r = await runCli(['gateway', '--config', bad])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('shadowgate: config error: routes[0].mirror.percent must be between 0 and 100')
    const typo = await dir.write('typo.yaml', 'primary: http://127.0.0.1:9\nadmin: { prot: 1 }\n')
    const t = await runCli(['mirror', 'list', '--config', typo])
    expect([t.code, t.stderr.trim()]).toEqual([2, 'shadowgate: config error: admin.prot is not a known option'])
    const env = await dir.write('env.yaml', 'primary: http://127.0.0.1:9\nadmin: { token: "${SG_TEST_UNSET_TOKEN}" }\n')
    const e = await runCli(['gateway', '-c', env], { env: { SG_TEST_UNSET_TOKEN: '' } })
    expect(e.code).toBe(2)
    expect(e.stderr).toMatch(/^shadowgate: config error: admin\.token .*SG_TEST_UNSET_TOKEN/)
    const missing = await runCli(['gateway', '--config', '/nonexistent/shadowgate.yaml'])
    expect([missing.code, missing.stderr.trim()]).toEqual([2, 'shadowgate: config error: cannot read /nonexistent/shadowgate.yaml: no such file'])
    for (const out of [r, t, e, missing]) expect(out.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('shadowgate mirror against a running gateway', () => {
  let dir: Awaited<ReturnType<typeof configDir>>
  let origin: TestServer
  let shadow: TestServer
  let gateway: CliProcess | undefined
  let configPath = ''
  let adminUrl = ''
  let trafficUrl = ''

  beforeAll(async () => {
    dir = await configDir()
    origin = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end('{"ok":true}')
    })
    shadow = await startServer((_req, res) => {
      res.end('{"ok":true}')
    })
    const [trafficPort, adminPort] = [await freePort(), await freePort()]
    trafficUrl = `http://127.0.0.1:${trafficPort}`
    adminUrl = `http://127.0.0.1:${adminPort}`
    configPath = await dir.write(
      'shadowgate.yaml',
      `primary: ${origin.url}
shadow: ${shadow.url}
listen: { host: 127.0.0.1, port: ${trafficPort} }
admin: { host: 127.0.0.1, port: ${adminPort}, token: "\${SG_TEST_ADMIN_TOKEN}" }
routes:
  - name: users
    match: /users/*
    mirror: { percent: 0 }
  - name: orders
    match: /orders
`,
    )
    gateway = new CliProcess(['gateway', '--config', configPath], { SG_TEST_ADMIN_TOKEN: TOKEN })
    await waitFor(async () => (await fetch(`${adminUrl}/readyz`)).status === 200, 20_000, `the gateway to be ready (${gateway.output})`)
  })
  afterAll(async () => {
    await gateway?.stop('SIGKILL')
    await origin?.close()
    await shadow?.close()
    await dir?.remove()
  })

  const env = { SG_TEST_ADMIN_TOKEN: TOKEN }

  it('serves traffic and lists the rules', async () => {
    const res = await fetch(`${trafficUrl}/users/1`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    const r = await runCli(['mirror', 'list', '--config', configPath], { env })
    expect([r.code, r.stderr]).toEqual([0, ''])
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^RULE\s+MATCH\s+PERCENT\s+CONFIG\s+TEMPORARY\s+REQUESTS\s+MIRRORED\s+SHADOW ERRORS$/)
    expect(lines[1]).toMatch(/^users\s+\/users\/\*\s+0%\s+0%\s+-\s+1\s+0\s+0$/)
    expect(lines[2]).toMatch(/^orders\s+\/orders\s+0%\s+0%\s+-\s+0\s+0\s+0$/)
  })

  it('sets a percent with a ttl, which the gateway applies to traffic', async () => {
    const r = await runCli(['mirror', 'set', 'users', '100', '--ttl', '10m', '--config', configPath], { env })
    expect([r.code, r.stderr]).toEqual([0, ''])
    expect(r.stdout).toMatch(/^users: mirror 0% -> 100% for 10m \(then 0%, at \d{4}-\d\d-\d\dT/)
    const before = shadow.received.length
    expect((await fetch(`${trafficUrl}/users/2`)).status).toBe(200)
    await waitFor(() => shadow.received.length > before, 5_000, 'the copy to reach the shadow')
    expect(shadow.received.at(-1)?.url).toBe('/users/2')
    const list = await runCli(['mirror', 'list', '--json', '--admin', adminUrl], { env: { SHADOWGATE_ADMIN_TOKEN: TOKEN } })
    expect(list.code).toBe(0)
    const users = (JSON.parse(list.stdout) as { routes: { name: string; percent: number; revertTo: number; ttlRemainingMs: number }[] }).routes[0]
    expect(users).toMatchObject({ name: 'users', percent: 100, revertTo: 0 })
    const table = await runCli(['mirror', 'list', '-c', configPath], { env })
    expect(table.stdout).toMatch(/users\s+\/users\/\*\s+100%\s+0%\s+(9m \d+s|10m) left, then 0%/)
    const reset = await runCli(['mirror', 'reset', 'users', '--config', configPath], { env })
    expect([reset.code, reset.stdout.trim()]).toEqual([0, 'users: mirror 100% -> 0%'])
  })

  it('reports refusals from the admin API with exit 1', async () => {
    const unknown = await runCli(['mirror', 'set', 'nope', '5', '--config', configPath], { env })
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'shadowgate: admin error: no route rule is named "nope" (SG_UNKNOWN_ROUTE)'])
    const wrongToken = await runCli(['mirror', 'list', '--admin', adminUrl], { env: { SHADOWGATE_ADMIN_TOKEN: 'wrong' } })
    expect(wrongToken.code).toBe(1)
    expect(wrongToken.stderr).toContain('SG_ADMIN_UNAUTHORIZED')
    const down = await runCli(['mirror', 'list', '--admin', `http://127.0.0.1:${await freePort()}`])
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/^shadowgate: connection error: cannot reach the admin API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/)
  })

  it('ramps a rule with load start, shows it with load status and returns it to its percent with load stop', async () => {
    const start = await runCli(['load', 'start', 'users', '--to', '300', '--step', '50', '--every', '1m', '--reason', 'capacity test', '--config', configPath], { env })
    expect([start.code, start.stderr]).toEqual([0, ''])
    expect(start.stdout.trim()).toBe('users: load running, 0% -> 300% by 50% every 1m (percent now 50%)')
    const status = await runCli(['load', 'status', 'users', '--config', configPath], { env })
    expect(status.code).toBe(0)
    const lines = status.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^RULE\s+STATE\s+PERCENT\s+RAMP\s+DETAIL$/)
    expect(lines[1]).toMatch(/^users\s+running\s+50%\s+0% -> 300% by 50% every 1m\s+next step in (\d+s|1m)$/)
    expect(lines).toHaveLength(2)
    const twice = await runCli(['load', 'start', 'users', '--to', '400', '--step', '50', '--every', '1m', '--config', configPath], { env })
    expect([twice.code, twice.stderr.trim()]).toEqual([1, expect.stringMatching(/^shadowgate: admin error: a load ramp is already running on route "users".*\(SG_LOAD_RAMP_ACTIVE\)$/)])
    const stop = await runCli(['load', 'stop', 'users', '--config', configPath], { env })
    expect([stop.code, stop.stdout.trim()]).toEqual([0, 'users: load stopped, 0% -> 300% by 50% every 1m (percent now 0%); at 50%: load stop'])
    const again = await runCli(['load', 'stop', 'users', '--config', configPath], { env })
    expect([again.code, again.stdout.trim()]).toEqual([0, 'users: no load ramp running (percent 0%)'])
    const over = await runCli(['load', 'start', 'users', '--to', '5000', '--step', '50', '--every', '1m', '--config', configPath], { env })
    expect([over.code, over.stderr.trim()]).toEqual([1, 'shadowgate: admin error: percent 5000 is above the maximum 1000 (mirror.maxAmplification × 100); nothing was changed (SG_PERCENT_ABOVE_MAX)'])
  })

  it('drains and exits 0 on SIGTERM', async () => {
    const g = gateway
    if (!g) throw new Error('gateway not started')
    expect(await g.stop('SIGTERM')).toBe(0)
    expect(g.lines.some((l) => l['msg'] === 'shut down cleanly')).toBe(true)
    await expect(fetch(`${trafficUrl}/users/3`)).rejects.toThrow()
  })
})
