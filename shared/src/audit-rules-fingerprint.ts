import { createHash } from 'node:crypto'
import type { RouteAuditConfig } from './config/config-types.js'

/** Fingerprint of a route the config does not know: the worker judges it with the defaults. */
export const UNKNOWN_ROUTE_RULES = 'unknown-route'

/** Keys of RouteAuditConfig that do not change how a pair is judged (which pairs are captured is not a rule of judging). */
const NOT_JUDGING = new Set(['percent'])

function canonical(value: unknown, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v, false))
  if (typeof value !== 'object' || value === null) return value
  const o = value as Record<string, unknown>
  // A parsed path pattern is identified by its source text.
  if (typeof o['source'] === 'string' && Array.isArray(o['segments'])) return o['source']
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(o).sort()) {
    if (top && NOT_JUDGING.has(k)) continue
    if (o[k] !== undefined) out[k] = canonical(o[k], false)
  }
  return out
}

/**
 * A short, stable id of a route's audit rules (ignore, compareHeaders, ignoreHeaders, arrays,
 * tolerance, numbers): 16 hex digits of SHA-256 over their canonical JSON. The gateway stamps it on
 * every pair it captures and the worker compares it with its own, so two processes reading different
 * config files are noticed instead of mixing rules; mismatch groups keep the fingerprint of the rules
 * that found them. `undefined` (a route the config does not know) is UNKNOWN_ROUTE_RULES.
 */
export function auditRulesFingerprint(rules: RouteAuditConfig | undefined): string {
  if (rules === undefined) return UNKNOWN_ROUTE_RULES
  return createHash('sha256').update(JSON.stringify(canonical(rules, true))).digest('hex').slice(0, 16)
}
