import { existsSync } from 'node:fs'
import type { LoadResult, LoadSpec } from './load-result.js'
import { spawnBounded } from './spawn-bounded.js'
import { parseWrkOutput } from './wrk-output.js'

export const WRK_PATH = '/usr/bin/wrk'

export function wrkAvailable(): boolean {
  return existsSync(WRK_PATH)
}

/**
 * One wrk thread: on two cores a second thread only steals CPU from the proxy under test, and one
 * C thread drives far more requests per second than any Node proxy here can answer.
 */
export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationS}s`, '--latency', '--timeout', '5s', spec.url]
  const out = await spawnBounded(WRK_PATH, args, (spec.durationS + 15) * 1_000)
  return parseWrkOutput(out)
}
