import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Manifest {
  name: string
  private?: boolean
  main?: string
  types?: string
  bin?: Record<string, string>
  exports?: Record<string, string | Record<string, string>>
  files?: string[]
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
const manifest = (ws: string): Manifest => JSON.parse(readFileSync(join(ROOT, ws, 'package.json'), 'utf8')) as Manifest
const PUBLISHED = rootManifest.workspaces.filter((ws) => manifest(ws).private !== true)
const DEV_ONLY = rootManifest.workspaces.filter((ws) => manifest(ws).private === true)

/** Every file a manifest points at: main, types, bin and every exports target. */
function targets(m: Manifest): string[] {
  const out = [m.main, m.types, ...Object.values(m.bin ?? {})]
  for (const entry of Object.values(m.exports ?? {})) out.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)))
  return out.filter((t): t is string => t !== undefined).map((t) => t.replace(/^\.\//, ''))
}

/** What `npm pack` would put in the tarball (scripts skipped: `npm test` has built dist/ already). */
function packedFiles(ws: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(ROOT, ws), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const [first] = JSON.parse(out) as { files: { path: string }[] }[]
  return (first?.files ?? []).map((f) => f.path)
}

describe('published packages', () => {
  it('are the product workspaces; the bench and the dev helpers are private', () => {
    expect(PUBLISHED.sort()).toEqual(['audit-service', 'cli', 'gateway', 'influx', 'shared'])
    expect(DEV_ONLY.sort()).toEqual(['bench', 'dev-helpers'])
  })

  describe.each(PUBLISHED)('%s', (ws) => {
    const m = manifest(ws)
    const files = packedFiles(ws)

    it('was built before packing (npm test builds first)', () => {
      expect(existsSync(join(ROOT, ws, 'dist', 'src', 'index.js')), `${ws}/dist: run npm run build`).toBe(true)
    })

    it('ships every file its main, types, bin and exports point at', () => {
      const all = targets(m)
      expect(all.length).toBeGreaterThan(0)
      for (const t of all) expect(files, `${m.name}: ${t}`).toContain(t)
    })

    it('ships no tests, benches, sources or build caches', () => {
      expect(files.length).toBeGreaterThan(0)
      for (const f of files) expect(f, `${m.name}: ${f}`).not.toMatch(/(^|\/)(test|tests|bench)\/|\.test\.|\.tsbuildinfo$|^src\/|^tsconfig/)
    })

    it('builds itself when packed, and lists what it ships', () => {
      expect(m.scripts?.['prepack']).toBe('tsc -b')
      expect(m.files?.length ?? 0).toBeGreaterThan(0)
    })

    it('depends on no dev-only workspace and no bench-only library', () => {
      const deps = Object.keys({ ...m.dependencies, ...m.peerDependencies })
      for (const d of ['@shadowgate/bench', '@shadowgate/dev-helpers', '@fastify/reply-from', 'microdiff', 'autocannon']) expect(deps, m.name).not.toContain(d)
    })
  })

  it('the gateway is a Fastify plugin that takes fastify as a peer and offers its pieces as subpaths', () => {
    const m = manifest('gateway')
    expect(Object.keys(m.peerDependencies ?? {})).toContain('fastify')
    expect(Object.keys(m.dependencies ?? {})).not.toContain('fastify')
    expect(Object.keys(m.exports ?? {})).toEqual(expect.arrayContaining(['.', './mirror', './http-proxy']))
  })
})
