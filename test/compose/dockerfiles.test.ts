import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AUDIT_WORKER_NODE_FLAGS } from '@shadowgate/audit-service/cli'
import { loadCompose, readRepoFile, ROOT } from './compose-model.js'

interface Stage {
  from: string
  name: string | undefined
  lines: string[]
}

/** Splits a Dockerfile into stages; continuation lines are joined, comments dropped. */
function stages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  const out: Stage[] = []
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line)
    if (from) out.push({ from: from[1] ?? '', name: from[2], lines: [] })
    else out.at(-1)?.lines.push(line)
  }
  return out
}

interface PackageJson {
  workspaces?: string[]
  dependencies?: Record<string, string>
}

const root = JSON.parse(readRepoFile('package.json')) as PackageJson
const WORKSPACES = root.workspaces ?? []
const pkgOf = (ws: string): PackageJson => JSON.parse(readRepoFile(`${ws}/package.json`)) as PackageJson

/** The workspace and every workspace it depends on, transitively. */
function workspaceClosure(ws: string): Set<string> {
  const out = new Set<string>([ws])
  for (const dep of Object.keys(pkgOf(ws).dependencies ?? {})) {
    const m = /^@shadowgate\/(.+)$/.exec(dep)
    if (m?.[1] && WORKSPACES.includes(m[1]) && !out.has(m[1])) for (const d of workspaceClosure(m[1])) out.add(d)
  }
  return out
}

const DOCKERFILES = [
  { file: 'gateway/Dockerfile', workspace: 'gateway' },
  { file: 'audit-service/Dockerfile', workspace: 'audit-service' },
  { file: 'cli/Dockerfile', workspace: 'cli' },
]

/** .dockerignore patterns, as plain path prefixes (the file uses no negated globs beyond README). */
const IGNORED = readRepoFile('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))

function ignored(path: string): boolean {
  const clean = path.replace(/\/$/, '')
  return IGNORED.some((pattern) => {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')}(?:/.*)?$`)
    return re.test(clean)
  })
}

describe.each(DOCKERFILES)('$file', ({ file, workspace }) => {
  const text = readRepoFile(file)
  const all = stages(text)
  const runtime = all.at(-1)
  const build = all.find((s) => s.name === 'build')
  const needed = workspaceClosure(workspace)

  it('is multi-stage on a Node image pinned to a major version', () => {
    expect(all.length).toBeGreaterThanOrEqual(2)
    expect(build).toBeDefined()
    for (const s of all) expect(s.from).toMatch(/^node:(20|22|24)-slim$/)
  })

  it('compiles with npm ci and tsc -b in the build stage', () => {
    const run = build?.lines.filter((l) => l.startsWith('RUN')).join('\n') ?? ''
    expect(run).toMatch(/npm ci\b/)
    expect(run).toMatch(new RegExp(`tsc -b ${workspace}\\b`))
  })

  it('installs only the production dependencies of its workspace in the runtime stage', () => {
    const run = runtime?.lines.filter((l) => l.startsWith('RUN')).join('\n') ?? ''
    expect(run).toMatch(new RegExp(`npm ci --omit=dev --workspace ${workspace}\\b`))
    expect(run).not.toMatch(/tsc|npm (install|i) /)
    expect(runtime?.lines).toContain('ENV NODE_ENV=production')
  })

  it('copies every workspace manifest before npm ci, as npm ci checks the lock against all of them', () => {
    for (const stage of [build, runtime]) {
      const copies = stage?.lines.filter((l) => l.startsWith('COPY') && !l.includes('--from')).join('\n') ?? ''
      expect(copies).toMatch(/package-lock\.json/)
      for (const ws of WORKSPACES) expect(copies, `${stage?.name}: ${ws}/package.json`).toContain(`${ws}/package.json`)
    }
  })

  it('ships the compiled code of every workspace it depends on, and nothing else from the build stage', () => {
    const fromBuild = runtime?.lines.filter((l) => l.startsWith('COPY --from=build')) ?? []
    const dists = fromBuild.map((l) => /\/app\/([^/\s]+)\/dist\s/.exec(l)?.[1]).filter((x): x is string => x !== undefined)
    expect(new Set(dists)).toEqual(needed)
    expect(fromBuild).toHaveLength(needed.size)
  })

  it('runs as a non-root user', () => {
    const users = runtime?.lines.filter((l) => /^USER\s/.test(l)) ?? []
    expect(users.length).toBeGreaterThan(0)
    const user = users.at(-1)?.split(/\s+/)[1] ?? ''
    expect(['root', '0', '0:0']).not.toContain(user)
    // The USER comes after every RUN, so nothing later runs as root.
    const lastRun = runtime?.lines.map((l, i) => (l.startsWith('RUN') ? i : -1)).reduce((a, b) => Math.max(a, b), -1) ?? -1
    expect(runtime?.lines.lastIndexOf(users.at(-1) ?? '')).toBeGreaterThan(lastRun)
  })

  it('copies only what exists and what .dockerignore lets through', () => {
    for (const stage of all) {
      for (const line of stage.lines.filter((l) => l.startsWith('COPY') && !l.includes('--from'))) {
        const sources = line.split(/\s+/).slice(1, -1)
        for (const src of sources) {
          expect(existsSync(join(ROOT, src)), `${file}: ${src}`).toBe(true)
          expect(ignored(src), `${file}: ${src} is excluded by .dockerignore`).toBe(false)
        }
      }
    }
  })

  it('starts a script the build produces, with the config path compose mounts', () => {
    const cmd = /^CMD\s+(\[.*\])$/m.exec(runtime?.lines.join('\n') ?? '')?.[1]
    const all = JSON.parse(cmd ?? '[]') as string[]
    expect(all[0]).toBe('node')
    let end = 1
    while (all[end]?.startsWith('--') === true) end++
    const flags = all.slice(1, end)
    // The audit worker runs with the flags its memory figures were measured with.
    expect(flags).toEqual(workspace === 'audit-service' ? [...AUDIT_WORKER_NODE_FLAGS] : [])
    const argv = ['node', ...all.slice(end)]
    const m = /^([a-z-]+)\/dist\/(src\/.+)\.js$/.exec(argv[1] ?? '')
    expect(m?.[1]).toBe(workspace)
    expect(existsSync(join(ROOT, workspace, `${m?.[2]}.ts`)), `${workspace}/${m?.[2]}.ts`).toBe(true)
    expect(argv.slice(-2)).toEqual(['--config', '/etc/shadowgate/shadowgate.yaml'])
  })
})

describe('.dockerignore', () => {
  it('keeps dependencies, build output and tests out of the build context', () => {
    for (const p of ['node_modules', 'gateway/node_modules', 'gateway/dist', 'shared/dist', 'test', 'bench/gateway-bench.ts', 'bench/audit/diff-bench.ts', 'dev-helpers/src', '.git', '.cache']) expect(ignored(p), p).toBe(true)
    for (const p of ['package.json', 'gateway/src/index.ts', 'shared/package.json']) expect(ignored(p), p).toBe(false)
  })

  it('is used by every image compose builds: all build from the repository root', () => {
    for (const [name, s] of Object.entries(loadCompose().services)) if (s.build) expect(s.build.context, name).toBe('.')
  })
})
