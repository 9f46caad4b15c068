import type { LoadResult } from './load-result.js'

const TIME_UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

function timeMs(text: string, what: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text)
  if (!m || m[1] === undefined || m[2] === undefined) throw new Error(`wrk output: cannot read ${what} "${text}"`)
  return Number(m[1]) * (TIME_UNIT_MS[m[2]] ?? Number.NaN)
}

function field(out: string, re: RegExp, what: string): string {
  const m = re.exec(out)
  if (!m || m[1] === undefined) throw new Error(`wrk output has no ${what}:\n${out.slice(0, 2_000)}`)
  return m[1]
}

/** Reads rps, p50, p99, counts and errors from `wrk --latency` output. */
export function parseWrkOutput(out: string): LoadResult {
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const errors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)
  return {
    rps: Number(field(out, /Requests\/sec:\s+([\d.]+)/, 'Requests/sec')),
    p50Ms: timeMs(field(out, /^\s+50%\s+(\S+)/m, '50% latency'), '50% latency'),
    p99Ms: timeMs(field(out, /^\s+99%\s+(\S+)/m, '99% latency'), '99% latency'),
    requests: Number(field(out, /(\d+) requests in/, 'request count')),
    errors,
    non2xx: non2xx?.[1] !== undefined ? Number(non2xx[1]) : 0,
  }
}
