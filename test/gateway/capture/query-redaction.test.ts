import { describe, expect, it } from 'vitest'
import { splitAndRedactUrl } from '../../../gateway/src/capture/query-redaction.js'

describe('splitAndRedactUrl', () => {
  it('splits path and query and keeps an unredacted query byte-identical', () => {
    expect(splitAndRedactUrl('/a/b?x=1&y=%20z&&w', ['token'])).toEqual({ path: '/a/b', query: 'x=1&y=%20z&&w' })
    expect(splitAndRedactUrl('/a', ['token'])).toEqual({ path: '/a', query: '' })
    expect(splitAndRedactUrl('/a?', ['token'])).toEqual({ path: '/a', query: '' })
  })

  it('replaces only the values of configured parameters, every occurrence, in place', () => {
    const out = splitAndRedactUrl('/p?a=1&token=s3cr%3Dt&b=2&token=again&api_key=k', ['token', 'api_key'])
    expect(out.query).toBe('a=1&token=[redacted]&b=2&token=[redacted]&api_key=[redacted]')
  })

  it('matches names case-insensitively and percent-decoded, keeping the name as sent', () => {
    expect(splitAndRedactUrl('/p?Api%5FKey=k&TOKEN=t&x=token', ['api_key', 'token']).query).toBe('Api%5FKey=[redacted]&TOKEN=[redacted]&x=token')
  })

  it('keeps a value-less parameter and a malformed escape without crashing', () => {
    expect(splitAndRedactUrl('/p?token&%E0%A4%A=1&password=%zz', ['token', 'password']).query).toBe('token&%E0%A4%A=1&password=[redacted]')
  })
})
