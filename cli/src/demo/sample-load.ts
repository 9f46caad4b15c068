import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { Agent, request, type Dispatcher } from 'undici'
import { InvalidSettingError } from '@shadowgate/gateway'
import { isEntryPoint } from './sample-entry-point.js'

export interface SampleLoadOptions {
  /** Base URL of the gateway (or any server of the sample catalog), e.g. http://gateway:8080. */
  readonly target: string
  /** Requests started per second. */
  readonly rate: number
  /** Stop after this many milliseconds; 0 runs until the signal aborts. */
  readonly durationMs: number
  /** Stop after this many requests; 0 means no limit. */
  readonly maxRequests?: number
  /** Requests in flight at most; a tick that finds the limit reached is skipped, never queued. */
  readonly maxInFlight?: number
  readonly signal?: AbortSignal
  /** Injected dispatchers are never closed here. */
  readonly dispatcher?: Dispatcher
  /** Per-request time limit in milliseconds. */
  readonly timeoutMs?: number
}

export interface SampleLoadResult {
  readonly sent: number
  /** Answers by status code. */
  readonly statuses: Readonly<Record<number, number>>
  /** Requests that got no answer (refused, reset, timed out). */
  readonly failures: number
  /** Ticks skipped because maxInFlight requests were still open. */
  readonly skipped: number
}

interface PlannedRequest {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly headers: Record<string, string>
  readonly body?: string
}

const SEARCH_TERMS = ['knife', 'cycling', 'tools', 'garden', 'speakers', 'coffee']

/**
 * The request mix: mostly catalog reads (the mirrored routes), some searches, a few orders and an
 * unrouted path. Deterministic, so two runs send the same sequence.
 */
export function sampleRequest(n: number): PlannedRequest {
  const json = { accept: 'application/json' }
  switch (n % 10) {
    case 0:
    case 5:
      return { method: 'GET', path: '/products', headers: { ...json, 'accept-encoding': 'gzip' } }
    case 1:
    case 4:
    case 7:
      return { method: 'GET', path: `/products/${(n % 12) + 1}`, headers: json }
    case 2:
      return { method: 'GET', path: '/categories', headers: json }
    case 3:
    case 8:
      return { method: 'GET', path: `/search?q=${SEARCH_TERMS[n % SEARCH_TERMS.length] ?? 'tools'}`, headers: json }
    case 6:
      return { method: 'POST', path: '/orders', headers: { ...json, 'content-type': 'application/json' }, body: JSON.stringify({ productId: (n % 12) + 1, quantity: (n % 3) + 1 }) }
    default:
      return { method: 'GET', path: '/health', headers: json }
  }
}

function checkOptions(opts: SampleLoadOptions): void {
  let url: URL
  try {
    url = new URL(opts.target)
  } catch {
    throw new InvalidSettingError(`target must be an absolute http:// URL (got "${opts.target}")`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidSettingError(`target must use http:// or https:// (got "${url.protocol}")`)
  if (!(opts.rate > 0 && opts.rate <= 10_000)) throw new InvalidSettingError(`rate must be between 0 (exclusive) and 10000 requests per second (got ${opts.rate})`)
  if (!(Number.isInteger(opts.durationMs) && opts.durationMs >= 0)) throw new InvalidSettingError(`durationMs must be a whole number of 0 or more (got ${opts.durationMs})`)
  if (opts.durationMs === 0 && !opts.maxRequests && !opts.signal) throw new InvalidSettingError('a run without durationMs or maxRequests needs a signal to stop it')
}

/**
 * Sends the sample request mix to `target` at a steady rate until the duration, the request count
 * or the signal ends the run, then waits for requests still in flight and reports what came back.
 */
export async function runSampleLoad(opts: SampleLoadOptions): Promise<SampleLoadResult> {
  checkOptions(opts)
  const base = opts.target.replace(/\/+$/, '')
  const owned = opts.dispatcher ? undefined : new Agent({ connections: 32 })
  const dispatcher = opts.dispatcher ?? owned
  const maxInFlight = opts.maxInFlight ?? 64
  const timeoutMs = opts.timeoutMs ?? 10_000
  const statuses: Record<number, number> = {}
  const inFlight = new Set<Promise<void>>()
  let sent = 0
  let failures = 0
  let skipped = 0
  const started = Date.now()
  const periodMs = 1_000 / opts.rate
  const done = (): boolean => Boolean(opts.signal?.aborted) || (opts.durationMs > 0 && Date.now() - started >= opts.durationMs) || (opts.maxRequests !== undefined && opts.maxRequests > 0 && sent >= opts.maxRequests)

  const fire = (plan: PlannedRequest): void => {
    const p = request(`${base}${plan.path}`, {
      method: plan.method,
      headers: plan.headers,
      body: plan.body,
      dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
      .then(async (res) => {
        await res.body.dump()
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
      })
      .catch(() => {
        failures++
      })
      .finally(() => inFlight.delete(p))
    inFlight.add(p)
  }

  try {
    while (!done()) {
      if (inFlight.size >= maxInFlight) skipped++
      else fire(sampleRequest(sent++))
      // Schedules against the start time so slow ticks do not lower the rate.
      const next = started + (sent + skipped) * periodMs
      const wait = Math.max(0, next - Date.now())
      await sleep(wait, undefined, { signal: opts.signal }).catch(() => undefined)
    }
    await Promise.all([...inFlight])
  } finally {
    await owned?.close()
  }
  return { sent, statuses, failures, skipped }
}

const USAGE = 'usage: sample-load --target http://gateway:8080 [--rate 20] [--duration 0 (seconds, 0 = until stopped)]'

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      rate: { type: 'string', default: '20' },
      duration: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const controller = new AbortController()
  process.once('SIGTERM', () => controller.abort())
  process.once('SIGINT', () => controller.abort())
  const duration = Number(values.duration)
  if (!Number.isFinite(duration) || duration < 0) throw new InvalidSettingError(`--duration must be a number of seconds, 0 or more (got "${values.duration}")`)
  const rate = Number(values.rate)
  if (!Number.isFinite(rate)) throw new InvalidSettingError(`--rate must be a number of requests per second (got "${values.rate}")`)
  const result = await runSampleLoad({ target: values.target, rate, durationMs: Math.round(duration * 1_000), signal: controller.signal })
  process.stdout.write(`${JSON.stringify(result)}\n`)
}


if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`sample-load: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`)
    process.exit(2)
  })
}
