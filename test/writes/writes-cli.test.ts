import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../gateway/cli/cli-process.js'
import { WriteLogFixture, sendWrite, writeLogConfig } from './write-log-rig.js'

describe('shadowgate writes and shadowgate replay', () => {
  const fx = new WriteLogFixture()
  afterEach(() => fx.close())

  it('refuse bad usage with the usage text and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['writes'], /writes needs an action/],
      [['writes', 'flip'], /unknown writes action "flip"/],
      [['writes', 'stage', 'items'], /writes stage takes 2 argument/],
      [['writes', 'ack', 'items', '1-0'], /writes ack needs --reason/],
      [['replay', '--poll', 'soon'], /--poll must be a duration/],
      [['replay', '--frob'], /Unknown option '--frob'/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
    for (const command of ['writes', 'replay']) {
      const r = await runCli([command, '--help'])
      expect([r.code, r.stdout]).toEqual([0, expect.stringContaining(`shadowgate ${command}`)])
    }
  })

  it('set the stage, show the status, list failed entries and acknowledge through the admin API', async () => {
    const { redis, old, next } = await fx.start()
    const gateway = await fx.gateway(writeLogConfig(redis.url, 'cli', old, next, { stage: 'old', maxBodyBytes: 20 }))
    const at = ['--admin', gateway.admin]

    expect(await sendWrite(gateway.traffic, 'PUT', 'a', { name: 'a' })).toBe(201)
    const stage = await runCli(['writes', 'stage', 'items', 'record', ...at])
    expect([stage.code, stage.stdout.trim()]).toEqual([0, 'route items: write stage record'])
    expect((await runCli(['writes', 'stage', 'items', 'sideways', ...at])).stderr).toMatch(/stage must be one of old, record, replay, final \(got "sideways"\) \(SG_INVALID_SETTING\)/)
    expect((await runCli(['writes', 'stage', 'nope', 'record', ...at])).stderr).toMatch(/no route rule is named "nope"/)

    expect(await sendWrite(gateway.traffic, 'PUT', 'b', { name: 'b' })).toBe(201)
    expect(await sendWrite(gateway.traffic, 'PUT', 'c', { name: 'a long name over the limit' })).toBe(201)
    let status = await runCli(['writes', 'status', ...at])
    for (let i = 0; i < 40 && !status.stdout.includes('gap 1'); i++) {
      await new Promise((r) => setTimeout(r, 50))
      status = await runCli(['writes', 'status', ...at])
    }
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/^route items: stage record, lag 2 entries \/ [\d.]+ s$/m)
    expect(status.stdout).toMatch(/open: gap 1/)
    const gapId = /^ {2}(\d+-\d+) {2}gap/m.exec(status.stdout)?.[1]
    expect(gapId).toBeDefined()

    const failed = await runCli(['writes', 'failed', 'items', ...at])
    expect([failed.code, failed.stdout.trim()]).toEqual([0, '(none)'])
    const ack = await runCli(['writes', 'ack', 'items', gapId ?? '', '--reason', 'synced by hand', ...at])
    expect([ack.code, ack.stdout.trim()]).toEqual([0, `route items: acknowledged ${gapId}`])
    const json = await runCli(['writes', 'status', 'items', '--json', ...at])
    expect(JSON.parse(json.stdout)).toMatchObject({ route: { route: 'items', stage: 'record', lagEntries: 2, open: {}, counters: { gaps: 1 } } })
  }, 60_000)

  it('follow the admin token rule: refused without the token, served with it', async () => {
    const { redis, old, next } = await fx.start()
    const token = 'writes-admin-token-4d1e'
    const gateway = await fx.gateway(writeLogConfig(redis.url, 'tok', old, next, {}, { admin: { host: '127.0.0.1', port: 0, token } }))
    const at = ['--admin', gateway.admin]
    for (const args of [['writes', 'status', ...at], ['writes', 'stage', 'items', 'replay', ...at], ['writes', 'ack', 'items', '1-0', '--reason', 'r', ...at]]) {
      const refused = await runCli(args)
      expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('SG_ADMIN_UNAUTHORIZED')])
    }
    const served = await runCli(['writes', 'stage', 'items', 'replay', ...at], { env: { SHADOWGATE_ADMIN_TOKEN: token } })
    expect([served.code, served.stdout.trim()]).toEqual([0, 'route items: write stage replay'])
  }, 60_000)
})
