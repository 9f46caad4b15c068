import { parseDuration } from '@shadowgate/shared'
import { InvalidSettingError } from '../errors.js'

/** A validated `PUT /routes/:name/mirror` body. */
export interface MirrorUpdate {
  readonly percent: number
  readonly ttlMs: number | undefined
}

const FIELDS = ['percent', 'ttl']
const EXAMPLE = 'send JSON such as {"percent": 25, "ttl": "10m"}'

/** Checks the body of a mirror update; every problem is an InvalidSettingError naming the field. */
export function parseMirrorUpdate(body: unknown): MirrorUpdate {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidSettingError(`the request body must be a JSON object: ${EXAMPLE}`)
  const o = body as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!FIELDS.includes(k)) throw new InvalidSettingError(`unknown field "${k}" (allowed: ${FIELDS.join(', ')})`)
  }
  const percent = o['percent']
  if (percent === undefined) throw new InvalidSettingError(`percent is required: ${EXAMPLE}`)
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new InvalidSettingError(`percent must be a number between 0 and 100 (got ${JSON.stringify(percent)})`)
  }
  const ttl = o['ttl']
  if (ttl === undefined || ttl === null) return { percent, ttlMs: undefined }
  const ttlMs = typeof ttl === 'string' || typeof ttl === 'number' ? parseDuration(ttl) : undefined
  if (ttlMs === undefined || ttlMs <= 0) {
    throw new InvalidSettingError(`ttl must be a positive duration such as 300ms, 30s, 10m or 2h, or a number of milliseconds (got ${JSON.stringify(ttl)})`)
  }
  return { percent, ttlMs }
}
