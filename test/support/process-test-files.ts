import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/**
 * What makes a test a `process` test: it starts a real server process through a helper, or spawns
 * or forks itself. Matched in the test file and in every test module it imports (relative imports
 * under test/), and in the product modules it imports directly.
 */
// Written so that this file's own text does not match them.
const STARTS_PROCESSES = /import \{[^}]*\b(?:startRedis|startRedisCluster|startRedisSentinel|startInfluxd|startVictoriaMetrics|ManagedProcess|NodeProcess)\b[^}]*\} from '@shadowgate\/dev-helpers'|from 'node:(?:child_process|cluster)'/
const PRODUCT_STARTS_PROCESSES = /from 'node:(?:child_process)'|cluster\.fork\(/

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return testFiles(p)
    return e.name.endsWith('.test.ts') ? [p] : []
  })
}

function relativeImports(file: string, source: string): string[] {
  return [...source.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts'))).filter((p) => existsSync(p))
}

function startsProcesses(file: string, testDir: string, seen: Set<string>): boolean {
  if (seen.has(file)) return false
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  if (STARTS_PROCESSES.test(source)) return true
  for (const dep of relativeImports(file, source)) {
    if (!dep.startsWith(testDir)) {
      if (PRODUCT_STARTS_PROCESSES.test(readFileSync(dep, 'utf8'))) return true
    } else if (startsProcesses(dep, testDir, seen)) return true
  }
  return false
}

/**
 * The test files (relative to `root`, as vitest globs take them) that start processes: the
 * `process` project runs these, the `unit` project everything else. Derived from the imports, so
 * a new test lands in the right project without a list to keep.
 */
export function processTestFiles(root: string): string[] {
  const testDir = join(root, 'test')
  return testFiles(testDir)
    .filter((f) => startsProcesses(f, `${testDir}/`, new Set()))
    .map((f) => relative(root, f))
    .sort()
}
