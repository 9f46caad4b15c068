import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configDir } from './cli-config-file.js'
import { runCli } from './cli-process.js'

// `shadowgate access` and `shadowgate slow`: bad input gets a clear error and the right exit code.

describe('shadowgate access and slow: refusals', () => {
  let dir: Awaited<ReturnType<typeof configDir>>
  let bare: string
  beforeAll(async () => {
    dir = await configDir()
    bare = await dir.write('bare.yaml', 'primary: http://127.0.0.1:1\n')
  })
  afterAll(async () => {
    await dir?.remove()
  })

  it.each([
    [['access', '--since', 'forever', '--config', 'x.yaml'], 2, 'shadowgate: usage error: --since must be a duration such as 15m, 1h or 7d (got "forever")'],
    [['access', '--route', "a' OR 1=1", '--config', 'x.yaml'], 2, `shadowgate: usage error: --route must be a route rule name (got "a' OR 1=1")`],
    [['slow', '--limit', '0', '--config', 'x.yaml'], 2, 'shadowgate: usage error: --limit must be a whole number ≥ 1 (got "0")'],
  ])('%j exits %i', async (args, code, line) => {
    const res = await runCli(args)
    expect(res.code).toBe(code)
    expect(res.stderr.split('\n')[0]).toBe(line)
  })

  it('says what the config lacks: influx for access, redis for slow', async () => {
    const access = await runCli(['access', '--config', bare])
    expect(access.code).toBe(1)
    expect(access.stderr).toBe('shadowgate: config error: the config has no influx section: access counts are kept in InfluxDB\n')
    const slow = await runCli(['slow', '--config', bare])
    expect(slow.code).toBe(1)
    expect(slow.stderr).toBe('shadowgate: config error: the config has no redis section: slow requests are kept in Redis\n')
  })
})
