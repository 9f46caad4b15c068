import { describe, expect, it } from 'vitest'
import { ConfigError, validateConfig } from '@shadowgate/shared'

const BASE = { primary: 'http://127.0.0.1:3000', shadow: 'http://127.0.0.1:3001' }

function errorOf(route: Record<string, unknown>, top: Record<string, unknown> = BASE): string {
  try {
    validateConfig({ ...top, routes: [{ name: 'items', match: '/items/*', ...route }] })
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('route migration config: old/new, stage, serve', () => {
  it('defaults to shadow with serve 0, old/new from the top-level primary/shadow', () => {
    const route = validateConfig({ ...BASE, routes: [{ name: 'items', match: '/items/*' }] }).routes[0]
    expect(route).toMatchObject({ stage: 'shadow', serve: { percent: 0 }, primary: 'http://127.0.0.1:3000', shadow: 'http://127.0.0.1:3001' })
  })

  it('takes old/new, and primary/shadow as their aliases', () => {
    const cfg = validateConfig({
      ...BASE,
      routes: [
        { name: 'a', match: '/a', old: 'http://10.0.0.1:1', new: 'http://10.0.0.2:2/v2', stage: 'canary', serve: { percent: 12.5 } },
        { name: 'b', match: '/b', primary: 'http://10.0.0.3:3', shadow: 'http://10.0.0.4:4', stage: 'final' },
      ],
    })
    expect(cfg.routes[0]).toMatchObject({ primary: 'http://10.0.0.1:1', shadow: 'http://10.0.0.2:2/v2', stage: 'canary', serve: { percent: 12.5 } })
    expect(cfg.routes[1]).toMatchObject({ primary: 'http://10.0.0.3:3', shadow: 'http://10.0.0.4:4', stage: 'final' })
  })

  it('names what is wrong', () => {
    expect(errorOf({ old: 'http://10.0.0.1:1', primary: 'http://10.0.0.1:1' })).toBe('routes[0].old and routes[0].primary name the same upstream (primary is an alias of old); set only one')
    expect(errorOf({ new: 'http://10.0.0.1:1', shadow: 'http://10.0.0.1:1' })).toMatch(/^routes\[0\]\.new and routes\[0\]\.shadow name the same upstream/)
    expect(errorOf({ stage: 'blue' })).toBe('routes[0].stage must be one of passthrough, shadow, canary, final (got "blue")')
    expect(errorOf({ serve: { percent: 101 } })).toBe('routes[0].serve.percent must be between 0 and 100')
    expect(errorOf({ serve: { share: 1 } })).toBe('routes[0].serve.share is not a known option')
    expect(errorOf({ new: 'ftp://x' })).toMatch(/^routes\[0\]\.new /)
    expect(errorOf({ stage: 'final' }, { primary: BASE.primary })).toBe('routes[0].new is required when stage is final (set it here or at the top level)')
  })
})
