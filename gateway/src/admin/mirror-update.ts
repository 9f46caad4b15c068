import { InvalidSettingError, PercentAboveMaximumError } from '../errors.js'
import { parseMirrorTtl } from '../runtime/mirror-ttl.js'

/** A validated `PUT /routes/:name/mirror` body. */
export interface MirrorUpdate {
  readonly percent: number
  readonly ttlMs: number | undefined
}

const FIELDS = ['percent', 'ttl']
const EXAMPLE = 'send JSON such as {"percent": 25, "ttl": "10m"}'

/** Checks the body of a mirror update; every problem is an InvalidSettingError naming the field. */
export function parseMirrorUpdate(body: unknown, maxPercent = 100): MirrorUpdate {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidSettingError(`the request body must be a JSON object: ${EXAMPLE}`)
  const o = body as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!FIELDS.includes(k)) throw new InvalidSettingError(`unknown field "${k}" (allowed: ${FIELDS.join(', ')})`)
  }
  const percent = o['percent']
  if (percent === undefined) throw new InvalidSettingError(`percent is required: ${EXAMPLE}`)
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0) {
    throw new InvalidSettingError(`percent must be a number between 0 and ${maxPercent} (got ${JSON.stringify(percent)})`)
  }
  if (percent > maxPercent) throw new PercentAboveMaximumError(percent, maxPercent)
  const ttl = o['ttl']
  if (ttl === undefined || ttl === null) return { percent, ttlMs: undefined }
  const parsed = parseMirrorTtl(ttl)
  if ('problem' in parsed) throw new InvalidSettingError(parsed.problem)
  return { percent, ttlMs: parsed.ttlMs }
}
