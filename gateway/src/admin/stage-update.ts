import { InvalidSettingError } from '../errors.js'
import type { RouteRuntimeView } from '../runtime/runtime-settings.js'
import type { StageSettings } from '../runtime/stored-stage.js'

/** A `PUT /routes/:name/stage` body, fields checked for presence only: RuntimeSettings.setStage validates the values. */
export interface StageUpdate {
  readonly stage: unknown
  readonly serve: unknown
  readonly mirror: unknown
  readonly expected: unknown
  readonly reason: unknown
}

const STAGE_FIELDS = ['stage', 'serve', 'mirror', 'expected', 'reason']
const ROLLBACK_FIELDS = ['reason']
const STAGE_EXAMPLE = 'send JSON such as {"stage": "canary", "serve": 10, "reason": "error rate flat for a day"}'
const ROLLBACK_EXAMPLE = 'send JSON such as {"reason": "new side answers 5xx"}'

function fields(body: unknown, allowed: readonly string[], example: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidSettingError(`the request body must be a JSON object: ${example}`)
  const o = body as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new InvalidSettingError(`unknown field "${k}" (allowed: ${allowed.join(', ')})`)
  }
  return o
}

/** Checks the shape of a stage move body (unknown fields, missing stage). */
export function parseStageUpdate(body: unknown): StageUpdate {
  const o = fields(body, STAGE_FIELDS, STAGE_EXAMPLE)
  if (o['stage'] === undefined) throw new InvalidSettingError(`stage is required: ${STAGE_EXAMPLE}`)
  return { stage: o['stage'], serve: o['serve'] ?? undefined, mirror: o['mirror'] ?? undefined, expected: o['expected'] ?? undefined, reason: o['reason'] }
}

/** Checks the shape of a rollback body; the reason is validated by RuntimeSettings.rollbackStage. */
export function parseRollback(body: unknown): { readonly reason: unknown } {
  return { reason: fields(body ?? {}, ROLLBACK_FIELDS, ROLLBACK_EXAMPLE)['reason'] }
}

const CUTOVER_FIELDS = ['to', 'reason']
const CUTOVER_EXAMPLE = 'send JSON such as {"to": "final", "reason": "shadow clean for a week"}'

/** Checks the shape of a cut-over body; the coordinator validates the values. */
export function parseCutover(body: unknown): { readonly to: unknown; readonly reason: unknown } {
  const o = fields(body ?? {}, CUTOVER_FIELDS, CUTOVER_EXAMPLE)
  return { to: o['to'] ?? undefined, reason: o['reason'] }
}

/** A route's migration state in the admin API's JSON. */
export interface StageStatusJson {
  readonly name: string
  readonly stage: StageSettings['stage']
  readonly servePercent: number
  readonly mirrorPercent: number
  readonly configuredStage: StageSettings['stage']
  readonly rollbackTo: StageSettings | null
  readonly writes: 'old' | 'new'
  readonly old: string
  readonly new: string | null
  readonly updatedAt: string | null
  readonly updatedBy: string | null
}

export function stageStatusJson(v: RouteRuntimeView): StageStatusJson {
  return {
    name: v.name,
    stage: v.stage.stage,
    servePercent: v.stage.serve,
    mirrorPercent: v.stage.mirror,
    configuredStage: v.configuredStage,
    rollbackTo: v.rollbackTo,
    writes: v.writes,
    old: v.primary,
    new: v.shadow ?? null,
    updatedAt: v.updatedAt === null ? null : new Date(v.updatedAt).toISOString(),
    updatedBy: v.updatedBy,
  }
}
