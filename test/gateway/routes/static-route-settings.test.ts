import { validateConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { StaticRouteSettings } from '../../../gateway/src/routes/static-route-settings.js'

describe('StaticRouteSettings', () => {
  const settings = new StaticRouteSettings(
    validateConfig({
      primary: 'http://127.0.0.1:1',
      shadow: 'http://127.0.0.1:2',
      routes: [
        { name: 'a', match: '/a', mirror: { percent: 12.5 } },
        { name: 'b', match: '/b', primary: 'http://127.0.0.1:3', shadow: 'http://127.0.0.1:4' },
      ],
    }),
  )

  it('answers the config values per route', () => {
    expect(settings.mirrorPercent('a')).toBe(12.5)
    expect(settings.primary('a')).toBe('http://127.0.0.1:1')
    expect(settings.shadow('a')).toBe('http://127.0.0.1:2')
    expect(settings.mirrorPercent('b')).toBe(0)
    expect(settings.primary('b')).toBe('http://127.0.0.1:3')
    expect(settings.shadow('b')).toBe('http://127.0.0.1:4')
  })

  it('answers like an unmatched request for names that are not rules', () => {
    expect(settings.mirrorPercent('nope')).toBe(0)
    expect(settings.primary('nope')).toBe('http://127.0.0.1:1')
    expect(settings.shadow('nope')).toBeUndefined()
  })
})
