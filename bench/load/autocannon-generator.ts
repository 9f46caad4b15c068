import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { LoadResult, LoadSpec } from './load-result.js'
import { spawnBounded } from './spawn-bounded.js'

interface AutocannonJson {
  requests: { average: number; total: number }
  latency: { p50: number; p99: number }
  errors: number
  timeouts: number
  non2xx: number
}

/** autocannon in its own process (never in the bench's event loop), read through `--json`. */
export async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const entry = join(dirname(createRequire(import.meta.url).resolve('autocannon/package.json')), 'autocannon.js')
  const args = [entry, '--json', '-c', String(spec.connections), '-d', String(spec.durationS), spec.url]
  const out = await spawnBounded(process.execPath, args, (spec.durationS + 15) * 1_000)
  const r = JSON.parse(out) as AutocannonJson
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  }
}
