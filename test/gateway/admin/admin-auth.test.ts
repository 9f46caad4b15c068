import { describe, expect, it } from 'vitest'
import { isLoopbackAddress } from '@shadowgate/shared'
import { adminAccessAllowed, bearerToken, tokenMatches } from '../../../gateway/src/admin/admin-auth.js'

describe('admin access rule', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokenMatches('secret', 'secret')).toBe(true)
    expect(tokenMatches('secreT', 'secret')).toBe(false)
    // timingSafeEqual throws on buffers of unequal length; hashing first makes lengths equal.
    expect(tokenMatches('s', 'a-much-longer-secret')).toBe(false)
    expect(tokenMatches('', 'secret')).toBe(false)
  })

  it('reads bearer tokens', () => {
    expect(bearerToken('Bearer abc')).toBe('abc')
    expect(bearerToken('bearer   abc ')).toBe('abc')
    expect(bearerToken('Basic abc')).toBeUndefined()
    expect(bearerToken('Bearer')).toBeUndefined()
    expect(bearerToken(undefined)).toBeUndefined()
  })

  it('requires the token when one is configured, from loopback callers too', () => {
    expect(adminAccessAllowed('t0k', 'Bearer t0k', '10.1.2.3')).toBe(true)
    expect(adminAccessAllowed('t0k', undefined, '127.0.0.1')).toBe(false)
    expect(adminAccessAllowed('t0k', 'Bearer nope', '127.0.0.1')).toBe(false)
  })

  it('without a token, serves loopback callers only', () => {
    expect(adminAccessAllowed(undefined, undefined, '127.0.0.1')).toBe(true)
    expect(adminAccessAllowed(undefined, undefined, '::ffff:127.0.0.1')).toBe(true)
    expect(adminAccessAllowed(undefined, undefined, '::1')).toBe(true)
    expect(adminAccessAllowed(undefined, 'Bearer x', '192.168.1.10')).toBe(false)
    expect(isLoopbackAddress(undefined)).toBe(false)
  })
})
