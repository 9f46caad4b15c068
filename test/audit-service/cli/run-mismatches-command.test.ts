import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAuditCommand } from '../../../audit-service/src/cli/run-audit-command.js'
import { runMismatchesCommand } from '../../../audit-service/src/cli/run-mismatches-command.js'
import { freePort } from '@shadowgate/dev-helpers'

function capture(): { io: { stdout: { write(s: string): boolean; isTTY: boolean }; stderr: { write(s: string): boolean }; env: Record<string, string> }; out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    io: { stdout: { write: (s) => ((out += s), true), isTTY: false }, stderr: { write: (s) => ((err += s), true) }, env: {} },
    out: () => out,
    err: () => err,
  }
}

describe('command line parsing of `mismatches` and `audit`', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sg-cli-'))
  })
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('--help prints usage and exits 0', async () => {
    const c = capture()
    expect(await runMismatchesCommand(['--help'], c.io)).toBe(0)
    expect(c.out()).toContain('Usage: shadowgate mismatches')
    const a = capture()
    expect(await runAuditCommand(['audit', '-h'], a.io)).toBe(0)
    expect(a.out()).toContain('Usage: shadowgate audit')
  })

  it('bad usage exits 2 with the reason and the usage', async () => {
    for (const argv of [['--limit', '0'], ['--limit', 'ten'], ['--bogus'], ['--url', 'http://x', '--config', 'f'], ['extra']]) {
      const c = capture()
      expect(await runMismatchesCommand(argv, c.io)).toBe(2)
      expect(c.err()).toContain('Usage: shadowgate mismatches')
    }
    const c = capture()
    await runMismatchesCommand(['--limit', '0'], c.io)
    expect(c.err()).toContain('--limit must be a whole number between 1 and 1000 (got "0")')
    const a = capture()
    expect(await runAuditCommand(['--log-level', 'loud'], a.io)).toBe(2)
    expect(a.err()).toContain('--log-level must be one of')
  })

  it('a bad or missing config file exits 2 naming the key', async () => {
    const bad = join(dir, 'bad.yaml')
    await writeFile(bad, 'primary: http://127.0.0.1:1\nworker: { samplesPerGroup: 500 }\n')
    const c = capture()
    expect(await runMismatchesCommand(['--config', bad], c.io)).toBe(2)
    expect(c.err()).toBe('config error: worker.samplesPerGroup must be between 0 and 100\n')
    const m = capture()
    expect(await runMismatchesCommand(['--config', join(dir, 'missing.yaml')], m.io)).toBe(2)
    expect(m.err()).toMatch(/config error: config file ".*missing.yaml" cannot be read: ENOENT/)
    const noRedis = join(dir, 'no-redis.yaml')
    await writeFile(noRedis, 'primary: http://127.0.0.1:1\n')
    const a = capture()
    expect(await runAuditCommand(['--config', noRedis], a.io)).toBe(2)
    expect(a.err()).toBe('config error: redis is required to run the audit worker (redis.url, redis.cluster or redis.sentinels)\n')
  })

  it('an unreachable worker URL exits 1 with the cause', async () => {
    const port = await freePort()
    const c = capture()
    expect(await runMismatchesCommand(['--url', `http://127.0.0.1:${port}`], c.io)).toBe(1)
    expect(c.err()).toMatch(/^error: /)
    const u = capture()
    expect(await runMismatchesCommand(['--url', 'ftp://127.0.0.1'], u.io)).toBe(2)
    expect(u.err()).toContain('--url must use http:// or https://')
  })
})
