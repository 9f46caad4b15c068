import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor, startRedis, startServer, type TestRedis, type TestServer } from '@shadowgate/dev-helpers'
import { configDir } from '../gateway/cli/cli-config-file.js'
import { CliProcess, runCli } from '../gateway/cli/cli-process.js'

const TOKEN = 'migrate-cli-token'

describe('shadowgate migrate: usage errors', () => {
  it('rejects bad actions, stages, percents and missing reasons with exit 2 before calling anything', async () => {
    const admin = ['--admin', 'http://127.0.0.1:9']
    const cases: [string[], RegExp][] = [
      [['migrate'], /migrate needs an action/],
      [['migrate', 'jump', ...admin], /unknown migrate action "jump"/],
      [['migrate', 'stage', 'items', ...admin], /migrate stage takes <rule> <stage>/],
      [['migrate', 'stage', 'items', 'blue', '--reason', 'x', ...admin], /unknown stage "blue" \(use passthrough, shadow, canary, final\)/],
      [['migrate', 'stage', 'items', 'canary', '--serve', '101', '--reason', 'x', ...admin], /--serve must be a number between 0 and 100 \(got "101"\)/],
      [['migrate', 'stage', 'items', 'canary', '--serve', '10', ...admin], /migrate stage needs --reason/],
      [['migrate', 'rollback', 'items', ...admin], /migrate rollback needs --reason/],
      [['migrate', 'rollback', 'items', '--serve', '5', '--reason', 'x', ...admin], /--serve, --mirror and --expect only go with migrate stage/],
      [['migrate', 'status', '--admin', 'ftp://x'], /--admin must be an http/],
      [['migrate', 'cutover', 'items', ...admin], /migrate cutover needs --reason/],
      [['migrate', 'cutover', 'items', '--to', 'canary', '--reason', 'x', ...admin], /--to must be final or shadow \(got "canary"\)/],
      [['migrate', 'cutover', '--reason', 'x', ...admin], /migrate cutover takes <rule>/],
      [['migrate', 'stage', 'items', 'final', '--to', 'final', '--reason', 'x', ...admin], /--to only goes with migrate cutover/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      expect([args.join(' '), r.code, r.stdout]).toEqual([args.join(' '), 2, ''])
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
    const help = await runCli(['migrate', '--help'])
    expect([help.code, help.stderr]).toEqual([0, ''])
    expect(help.stdout).toContain('shadowgate migrate stage <rule> <stage>')
  })
})

describe('shadowgate migrate against a running gateway', () => {
  let dir: Awaited<ReturnType<typeof configDir>>
  let oldSide: TestServer
  let newSide: TestServer
  let redis: TestRedis
  let gateway: CliProcess | undefined
  let configPath = ''
  let trafficUrl = ''
  const env = { SG_TEST_ADMIN_TOKEN: TOKEN }

  beforeAll(async () => {
    dir = await configDir()
    oldSide = await startServer((_req, res) => void res.end('{"side":"old"}'))
    newSide = await startServer((_req, res) => void res.end('{"side":"new"}'))
    redis = await startRedis()
    const [trafficPort, adminPort] = [await freePort(), await freePort()]
    trafficUrl = `http://127.0.0.1:${trafficPort}`
    configPath = await dir.write(
      'shadowgate.yaml',
      `primary: ${oldSide.url}
listen: { host: 127.0.0.1, port: ${trafficPort} }
admin: { host: 127.0.0.1, port: ${adminPort}, token: "\${SG_TEST_ADMIN_TOKEN}" }
redis: { url: "${redis.url}", prefix: cli }
audit: { enabled: false }
cutover: { ackTimeout: 2s, maxPause: 4s }
routes:
  - name: items
    match: /items/*
    old: ${oldSide.url}
    new: ${newSide.url}
    mirror: { percent: 0 }
`,
    )
    gateway = new CliProcess(['gateway', '--config', configPath], env)
    await waitFor(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200, 20_000, () => `the gateway to be ready (${gateway?.output ?? ''})`)
  })
  afterAll(async () => {
    await gateway?.stop('SIGKILL')
    await oldSide?.close()
    await newSide?.close()
    await redis?.close()
    await dir?.remove()
  })

  async function side(): Promise<string> {
    return ((await (await fetch(`${trafficUrl}/items/1`)).json()) as { side: string }).side
  }

  it('shows the status, moves a route to final and rolls it back', async () => {
    const status = await runCli(['migrate', 'status', '--config', configPath], { env })
    expect([status.code, status.stderr]).toEqual([0, ''])
    const lines = status.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^RULE\s+STAGE\s+SERVE\s+MIRROR\s+ROLLBACK TO\s+OLD\s+NEW$/)
    expect(lines[1]).toMatch(new RegExp(`^items\\s+shadow\\s+0%\\s+0%\\s+-\\s+${oldSide.url}\\s+${newSide.url}$`))

    const canary = await runCli(['migrate', 'stage', 'items', 'canary', '--serve', '100', '--reason', 'all users, briefly', '-c', configPath], { env })
    expect([canary.code, canary.stderr]).toEqual([0, ''])
    expect(canary.stdout.trim()).toMatch(/^items: moved shadow \(copy 0% to new\) -> canary \(serve 100% from new, copy 0% to new\) by \S+@127\.0\.0\.1 at \S+: all users, briefly$/)
    await waitFor(async () => (await side()) === 'new', 5_000, 'the new side to serve')

    const final = await runCli(['migrate', 'stage', 'items', 'final', '--expect', 'canary', '--reason', 'audit clean', '-c', configPath], { env })
    expect([final.code, final.stdout]).toMatchObject([0, expect.stringContaining('-> final (copy 10% to old)')])
    const conflict = await runCli(['migrate', 'stage', 'items', 'final', '--expect', 'canary', '--reason', 'again', '-c', configPath], { env })
    expect([conflict.code, conflict.stderr.trim()]).toEqual([1, 'shadowgate: admin error: route "items" is in stage final, not canary; nothing was changed (SG_STAGE_CONFLICT)'])

    const back = await runCli(['migrate', 'rollback', 'items', '--reason', 'new side slow', '-c', configPath], { env })
    expect([back.code, back.stderr]).toEqual([0, ''])
    expect(back.stdout).toContain('items: rolled back final (copy 10% to old) -> canary (serve 100% from new, copy 0% to new)')

    const one = await runCli(['migrate', 'status', 'items', '-c', configPath], { env })
    expect(one.code).toBe(0)
    expect(one.stdout).toMatch(/items\s+canary\s+100%\s+0%\s+shadow \(copy 0% to new\)/)
    expect(one.stdout).toContain('Recent changes (newest first):')
    expect(one.stdout.indexOf('rolled back')).toBeLessThan(one.stdout.indexOf('all users, briefly'))
    const json = await runCli(['migrate', 'status', 'items', '--json', '-c', configPath], { env })
    expect((JSON.parse(json.stdout) as { log: unknown[] }).log).toHaveLength(3)

    const first = await runCli(['migrate', 'rollback', 'items', '--reason', 'back to start', '-c', configPath], { env })
    expect(first.code).toBe(0)
    const none = await runCli(['migrate', 'rollback', 'items', '--reason', 'too far', '-c', configPath], { env })
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('(SG_NO_STAGE_HISTORY)')
    await waitFor(async () => (await side()) === 'old', 5_000, 'the old side to serve again')
  })
  it('cuts the route over to final with exit 0, and refuses the way back too soon with exit 1', async () => {
    const cut = await runCli(['migrate', 'cutover', 'items', '--reason', 'rehearsal', '-c', configPath], { env })
    expect([cut.code, cut.stderr]).toEqual([0, ''])
    expect(cut.stdout).toMatch(/^Cut-over of items committed: shadow -> final at \S+ \(epoch \d+\)\.\nGateways: 1 of 1 acknowledged\.\nHeld requests: 0; pause p50 0 ms, p99 0 ms, max 0 ms\.$/m)
    await waitFor(async () => (await side()) === 'new', 5_000, 'the new side to serve')
    const back = await runCli(['migrate', 'cutover', 'items', '--to', 'shadow', '--reason', 'again', '-c', configPath], { env })
    expect(back.code).toBe(1)
    expect(back.stderr).toMatch(/cut over less than cutover\.minTimeBetweenFlips ago; try again in \d+ s; nothing was changed \(SG_CUTOVER_TOO_SOON\)/)
    expect(await side()).toBe('new')
  })
})
