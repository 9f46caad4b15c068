import { request, type Dispatcher } from 'undici'
import { DemoPrerequisiteError } from '../errors.js'

const TIMEOUT_MS = 3_000

/**
 * One GET /ping (InfluxDB 1.x, 2.x and 3.x all answer it) before the run starts, so a wrong
 * INFLUX_URL is one clear message instead of a run whose every point is dropped. Any HTTP answer
 * counts as reachable: credentials are checked by the writes themselves, which report failures.
 */
export async function probeInflux(url: string, dispatcher?: Dispatcher): Promise<void> {
  try {
    const res = await request(new URL('/ping', url), { method: 'GET', headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, ...(dispatcher ? { dispatcher } : {}) })
    await res.body.dump()
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new DemoPrerequisiteError(`INFLUX_URL=${url} does not answer (${reason}). Start that InfluxDB, or unset INFLUX_URL to run the demo without it.`, { cause: err })
  }
}
