import { ConfigError } from '../errors.js'
import type { RouteGateConfig } from './config-types.js'
import { checkUpstreamUrl, type ConfigReader } from './config-reader.js'
import { DEFAULT_GATE as D } from './defaults.js'

function steps(r: ConfigReader): readonly number[] {
  if (!r.has('steps')) return D.steps
  const list = r.list('steps')
  if (list.length === 0 || list.length > 100) throw new ConfigError(r.key('steps'), 'must list 1 to 100 serve percents')
  const out: number[] = []
  list.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 100) throw new ConfigError(`${r.key('steps')}[${i}]`, 'must be a percent above 0 and at most 100')
    const prev = out[out.length - 1]
    if (prev !== undefined && v <= prev) throw new ConfigError(`${r.key('steps')}[${i}]`, `must be above the step before it (${prev})`)
    out.push(v)
  })
  return out
}

/** routes[].gate: undefined when the route has none. */
export function routeGate(parent: ConfigReader): RouteGateConfig | undefined {
  if (!parent.has('gate')) return undefined
  const r = parent.child('gate')
  const webhook = r.string('webhook')
  const out: RouteGateConfig = {
    auto: r.boolean('auto', D.auto),
    autoPromote: r.boolean('autoPromote', D.autoPromote),
    intervalMs: r.duration('interval', D.intervalMs, { min: 100 }),
    minComparisons: r.number('minComparisons', D.minComparisons, { min: 1, integer: true }),
    maxMismatchRate: r.number('maxMismatchRate', D.maxMismatchRate, { min: 0, max: 1 }),
    max5xxRate: r.number('max5xxRate', D.max5xxRate, { min: 0, max: 1 }),
    max5xxFactor: r.number('max5xxFactor', D.max5xxFactor, { min: 1, max: 100 }),
    abort5xxRate: r.number('abort5xxRate', D.abort5xxRate, { min: 0, max: 1 }),
    maxLatencyFactor: r.number('maxLatencyFactor', D.maxLatencyFactor, { min: 1, max: 100 }),
    latencySlackMs: r.duration('latencySlack', D.latencySlackMs, { min: 0 }),
    failureLimit: r.number('failureLimit', D.failureLimit, { min: 1, max: 1_000, integer: true }),
    inconclusiveLimit: r.number('inconclusiveLimit', D.inconclusiveLimit, { min: 1, max: 1_000, integer: true }),
    steps: steps(r),
    stepMinDurationMs: r.duration('stepMinDuration', D.stepMinDurationMs, { min: 0 }),
    stepMinComparisons: r.number('stepMinComparisons', D.stepMinComparisons, { min: 0, integer: true }),
    webhook: webhook === undefined ? undefined : checkUpstreamUrl(r.key('webhook'), webhook),
    webhookTimeoutMs: r.duration('webhookTimeout', D.webhookTimeoutMs, { min: 1, max: 60_000 }),
  }
  r.done()
  return out
}
