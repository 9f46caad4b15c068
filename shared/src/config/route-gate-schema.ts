import { Type } from '@sinclair/typebox'
import { count, duration, upstream } from './config-schema-builders.js'
import * as D from './defaults.js'

const G = D.DEFAULT_GATE
const fraction = (def: number, description: string) => Type.Number({ minimum: 0, maximum: 1, default: def, description })

/** A route's gate: when its canary steps up, rolls back or is promoted. */
export const routeGateSchema = Type.Object(
  {
    auto: Type.Boolean({ default: G.auto, description: 'Whether the gate acts; false only reports what it would do.' }),
    autoPromote: Type.Boolean({ default: G.autoPromote, description: 'After the last step: move the route to final (true) or propose it (false).' }),
    interval: duration(G.intervalMs, { min: 100 }, 'Window length; gateways and workers count per window.'),
    minComparisons: count(G.minComparisons, 1, 'Judged pairs below which a window is inconclusive.'),
    maxMismatchRate: fraction(G.maxMismatchRate, 'Mismatches over judged pairs (0-1) above which a window fails.'),
    max5xxRate: fraction(G.max5xxRate, "Floor of the new side's 5xx rate (0-1) a window may reach: it fails above max(max5xxRate, max5xxFactor × the old side's)."),
    max5xxFactor: Type.Number({ minimum: 1, maximum: 100, default: G.max5xxFactor, description: "Factor of the old side's 5xx rate the new side's may reach." }),
    abort5xxRate: fraction(G.abort5xxRate, 'New-side 5xx rate (0-1) that rolls back in one window.'),
    maxLatencyFactor: Type.Number({ minimum: 1, maximum: 100, default: G.maxLatencyFactor, description: "A window fails when the new side's p99 > maxLatencyFactor × the old side's p99 + latencySlack." }),
    latencySlack: duration(G.latencySlackMs, { min: 0 }, "Slack added to the old side's p99 times maxLatencyFactor."),
    failureLimit: count(G.failureLimit, 1, 'Failing windows in a row that roll the route back.', 1_000),
    inconclusiveLimit: count(G.inconclusiveLimit, 1, 'Inconclusive windows in a row that hold the route and say so.', 1_000),
    // Order and range of the steps are a cross-key rule (cross-key-rules.ts), for messages naming the step.
    steps: Type.Array(Type.Number(), { default: [...G.steps], description: 'Serve percents the canary moves through: 1 to 100 of them, strictly increasing, each above 0 and at most 100.' }),
    stepMinDuration: duration(G.stepMinDurationMs, { min: 0 }, 'Shortest run of passing windows before a step.'),
    stepMinComparisons: count(G.stepMinComparisons, 0, 'Judged pairs that run needs.'),
    webhook: Type.Optional(upstream('http(s) URL POSTed JSON on every rollback, step, promotion and proposal.')),
    webhookTimeout: duration(G.webhookTimeoutMs, { min: 1, max: 60_000 }, 'Bound on each webhook call.'),
  },
  { additionalProperties: false, description: "The gate: judges the canary window by window and steps the serve percent up, rolls back or promotes; needs a new side." },
)
