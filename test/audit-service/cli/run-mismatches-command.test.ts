import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAuditCommand } from '../../../audit-service/src/cli/run-audit-command.js'
import { runMismatchesCommand } from '../../../audit-service/src/cli/run-mismatches-command.js'
import { buildAuditHttpApp } from '../../../audit-service/src/http/build-audit-http-app.js'
import { Registry } from 'prom-client'
import { freePort, startServer } from '@shadowgate/dev-helpers'

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
    for (const [argv, message] of [
      [['--since', 'soon'], '--since must be a duration such as 10m, 2h or 7d (got "soon")'],
      [['--since', '0'], '--since must be a duration'],
      [['clear', '--url', 'http://127.0.0.1:9'], 'clear needs --config (Redis access): the audit worker HTTP API is read-only'],
      [['mismatches', 'clear', '--limit', '3'], "Unknown option '--limit'"],
    ] as const) {
      const u = capture()
      expect(await runMismatchesCommand([...argv], u.io), argv.join(' ')).toBe(2)
      expect(u.err()).toContain(message)
      expect(u.err()).toContain('shadowgate mismatches clear [--route name]')
    }
    const a = capture()
    expect(await runAuditCommand(['--log-level', 'loud'], a.io)).toBe(2)
    expect(a.err()).toMatch(/^shadowgate: usage error: --log-level must be one of/)
  })

  it('a bad or missing config file exits 2 naming the key', async () => {
    const bad = join(dir, 'bad.yaml')
    await writeFile(bad, 'primary: http://127.0.0.1:1\nworker: { samplesPerGroup: 500 }\n')
    const c = capture()
    expect(await runMismatchesCommand(['--config', bad], c.io)).toBe(2)
    expect(c.err()).toBe('shadowgate: config error: worker.samplesPerGroup must be between 0 and 100\n')
    const m = capture()
    expect(await runMismatchesCommand(['--config', join(dir, 'missing.yaml')], m.io)).toBe(2)
    expect(m.err()).toMatch(/^shadowgate: config error: config file ".*missing.yaml" cannot be read: ENOENT/)
    const noRedis = join(dir, 'no-redis.yaml')
    await writeFile(noRedis, 'primary: http://127.0.0.1:1\n')
    const a = capture()
    expect(await runAuditCommand(['--config', noRedis], a.io)).toBe(2)
    expect(a.err()).toBe('shadowgate: config error: redis is required to run the audit worker (redis.url, redis.cluster or redis.sentinels)\n')
  })

  it('an unreachable worker URL exits 1 with the cause', async () => {
    const port = await freePort()
    const c = capture()
    expect(await runMismatchesCommand(['--url', `http://127.0.0.1:${port}`], c.io)).toBe(1)
    expect(c.err()).toBe(`shadowgate: connection error: cannot reach the audit worker at http://127.0.0.1:${port} (ECONNREFUSED)\n`)
    const u = capture()
    expect(await runMismatchesCommand(['--url', 'ftp://127.0.0.1'], u.io)).toBe(2)
    expect(u.err()).toMatch(/^shadowgate: usage error: --url must use http:\/\/ or https:\/\//)
  })

  // Regression: "`audit` with Redis down says only `error: Connection is closed.`" and "the audit
  // and mismatches commands drop the `shadowgate: <kind> error:` prefix".
  it('names the Redis it could not reach, credentials masked, with the shadowgate prefix', async () => {
    const port = await freePort()
    const cfg = join(dir, 'redis-down.yaml')
    await writeFile(cfg, `primary: http://127.0.0.1:1\nredis: { url: "redis://user:hunter2@127.0.0.1:${port}/0" }\nworker: { http: { host: 127.0.0.1, port: 0 } }\n`)
    const a = capture()
    expect(await runAuditCommand(['--config', cfg, '--log-level', 'silent'], a.io)).toBe(1)
    expect(a.err()).toBe(`shadowgate: connection error: cannot reach Redis at redis://***@127.0.0.1:${port}/0 (ECONNREFUSED)\n`)
    const m = capture()
    expect(await runMismatchesCommand(['--config', cfg], m.io)).toBe(1)
    expect(m.err()).toBe(`shadowgate: connection error: cannot reach Redis at redis://***@127.0.0.1:${port}/0 (ECONNREFUSED)\n`)
  })

  // Regression: "NO_COLOR set to an empty string disabled colour" (no-color.org: only a non-empty value disables).
  it('colours a terminal unless NO_COLOR is set and not empty, or --no-color', async () => {
    const group = { fingerprint: 'f1', route: 'orders', reason: 'body', primaryStatus: 200, shadowStatus: 200, paths: [], count: 1, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:00.000Z', samples: [] }
    const worker = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ groups: [group] }))
    })
    try {
      const run = async (env: Record<string, string>, flags: string[] = []): Promise<boolean> => {
        const c = capture()
        const io = { ...c.io, stdout: { ...c.io.stdout, isTTY: true }, env }
        expect(await runMismatchesCommand(['--url', worker.url, ...flags], io)).toBe(0)
        return c.out().includes('\u001b[')
      }
      expect(await run({})).toBe(true)
      expect(await run({ NO_COLOR: '' })).toBe(true)
      expect(await run({ NO_COLOR: '1' })).toBe(false)
      expect(await run({}, ['--no-color'])).toBe(false)
      expect(await run({ NO_COLOR: '1' }, ['--color'])).toBe(true)
    } finally {
      await worker.close()
    }
  })

  it('worker.http.token: `mismatches --url` sends SHADOWGATE_WORKER_TOKEN and explains a 401', async () => {
    const token = 'audit-cli-0c4b9a2f5e83d1e7'
    const app = buildAuditHttpApp({ listMismatches: async () => [], registry: new Registry(), healthy: () => true, token })
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 })
      const ok = capture()
      ok.io.env['SHADOWGATE_WORKER_TOKEN'] = token
      expect(await runMismatchesCommand(['--url', url, '--json'], ok.io)).toBe(0)
      expect(JSON.parse(ok.out())).toEqual({ groups: [] })
      const refused = capture()
      expect(await runMismatchesCommand(['--url', url, '--json'], refused.io)).toBe(1)
      expect(refused.err()).toContain('answered 401: set SHADOWGATE_WORKER_TOKEN')
    } finally {
      await app.close()
    }
  })
})
