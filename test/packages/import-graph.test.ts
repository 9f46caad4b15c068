import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The arrows of docs/architecture.md, checked on the sources: which workspace may import which, and
// inside each service which folder may import which (a folder imports only folders below it).
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const PACKAGE_ARROWS: Readonly<Record<string, readonly string[]>> = {
  shared: [],
  influx: ['shared'],
  'audit-service': ['shared', 'influx'],
  gateway: ['shared', 'influx'],
  cli: ['shared', 'influx', 'audit-service', 'gateway'],
  'dev-helpers': [],
  bench: ['shared', 'influx', 'audit-service', 'gateway', 'dev-helpers'],
}

/** Folder layers, lowest first; a file's folder may import its own layer and those below. Files at src/ top level are layer-free. */
const FOLDER_LAYERS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  gateway: [['metrics'], ['runtime'], ['routes'], ['proxy'], ['mirror'], ['writes'], ['capture', 'http-proxy'], ['cutover'], ['admin'], ['server'], ['cli']],
  'audit-service': [['decode'], ['diff'], ['verdict'], ['mismatch', 'influx'], ['recheck', 'noise'], ['http'], ['gate'], ['replay'], ['worker'], ['cli']],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist') return []
    const p = join(dir, e.name)
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : []
  })
}

/** Static and literal dynamic import specifiers of a file. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm)].map((m) => m[1] ?? m[2] ?? '')
}

describe('import graph', () => {
  it.each(Object.entries(PACKAGE_ARROWS))('%s imports only the workspaces its arrows allow', (ws, allowed) => {
    const files = sourceFiles(join(ROOT, ws))
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) {
      for (const spec of specifiers(file)) {
        const m = /^@shadowgate\/([^/]+)/.exec(spec)
        if (m?.[1] !== undefined && m[1] !== ws) expect(allowed, `${relative(ROOT, file)} imports ${spec}`).toContain(m[1])
        // Reaching into another workspace by path would bypass the arrows.
        if (spec.startsWith('.')) expect(join(file, '..', spec).startsWith(join(ROOT, ws) + sep), `${relative(ROOT, file)} imports ${spec}`).toBe(true)
      }
    }
  })

  it('the workspace manifests declare the same arrows', () => {
    for (const [ws, allowed] of Object.entries(PACKAGE_ARROWS)) {
      const m = JSON.parse(readFileSync(join(ROOT, ws, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
      const declared = Object.keys(m.dependencies ?? {}).filter((d) => d.startsWith('@shadowgate/')).map((d) => d.slice('@shadowgate/'.length))
      for (const d of declared) expect(allowed, `${ws} depends on @shadowgate/${d}`).toContain(d)
    }
  })

  it.each(Object.entries(FOLDER_LAYERS))('inside %s no import runs uphill', (ws, layers) => {
    const layerOf = new Map<string, number>()
    layers.forEach((names, i) => names.forEach((n) => layerOf.set(n, i)))
    const src = join(ROOT, ws, 'src')
    const folderOf = (file: string): string | undefined => {
      const parts = relative(src, file).split(sep)
      return parts.length > 1 ? parts[0] : undefined
    }
    for (const file of sourceFiles(src)) {
      const from = folderOf(file)
      if (from === undefined) continue
      expect(layerOf.has(from), `${ws}/src/${from} has no layer in this test (and in docs/architecture.md)`).toBe(true)
      for (const spec of specifiers(file).filter((s) => s.startsWith('.'))) {
        const to = folderOf(join(file, '..', spec))
        if (to === undefined || to === from) continue
        expect(layerOf.get(to) ?? Infinity, `${relative(ROOT, file)} imports ${spec} (${from} -> ${to})`).toBeLessThanOrEqual(layerOf.get(from) ?? -1)
      }
    }
  })
})
