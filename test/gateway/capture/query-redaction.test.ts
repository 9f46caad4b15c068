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

// Regression: "redaction misses spellings a server would read as the same parameter". Each row is
// a spelling that PHP, Rails/Rack, Express (qs), Django/WSGI, Tomcat/Spring or Go read as `token`
// or `api_key`; none may reach the queue or a mismatch sample in clear.
describe('splitAndRedactUrl: every spelling a server reads as a redacted parameter', () => {
  const names = ['token', 'api_key']
  it.each([
    ['plain', '/p?token=S3CR3T', 'token=[redacted]'],
    ['upper case', '/p?TOKEN=S3CR3T', 'TOKEN=[redacted]'],
    ['mixed case', '/p?ToKeN=S3CR3T', 'ToKeN=[redacted]'],
    ['percent-encoded name', '/p?%74oken=S3CR3T', '%74oken=[redacted]'],
    ['percent-encoded upper case', '/p?%54%4F%4B%45%4E=S3CR3T', '%54%4F%4B%45%4E=[redacted]'],
    ['empty brackets', '/p?token[]=S3CR3T', 'token[]=[redacted]'],
    ['percent-encoded brackets', '/p?token%5B%5D=S3CR3T', 'token%5B%5D=[redacted]'],
    ['indexed', '/p?token[0]=S3CR3T&token[1]=S3CR3T', 'token[0]=[redacted]&token[1]=[redacted]'],
    ['nested key', '/p?token[a][b]=S3CR3T', 'token[a][b]=[redacted]'],
    ['unclosed bracket', '/p?token[=S3CR3T', 'token[=[redacted]'],
    ['semicolon separator', '/p?a=1;token=S3CR3T', 'a=1;token=[redacted]'],
    ['semicolon and ampersand', '/p?a=1;b=2&token=S3CR3T;c=3', 'a=1;b=2&token=[redacted];c=3'],
    ['repeated key', '/p?token=S3CR3T&token=S3CR3T', 'token=[redacted]&token=[redacted]'],
    ['plus as space before the name', '/p?+token=S3CR3T', '+token=[redacted]'],
    ['dot for underscore (PHP)', '/p?api.key=S3CR3T', 'api.key=[redacted]'],
    ['space for underscore (PHP)', '/p?api+key=S3CR3T', 'api+key=[redacted]'],
    ['value holding "="', '/p?token=S3C=R3T', 'token=[redacted]'],
    ['empty value', '/p?token=', 'token=[redacted]'],
  ])('%s', (_spelling, url, query) => {
    const out = splitAndRedactUrl(url, names)
    expect(out.query).toBe(query)
    expect(out.query).not.toContain('S3CR3T')
  })

  it('redacts path parameters (`;token=` in a path segment, as Servlet containers read them)', () => {
    expect(splitAndRedactUrl('/orders;TOKEN=S3CR3T;v=2/1;jsessionid=x?a=1', names)).toEqual({ path: '/orders;TOKEN=[redacted];v=2/1;jsessionid=x', query: 'a=1' })
  })

  it('leaves names that only contain a redacted name alone', () => {
    expect(splitAndRedactUrl('/p?tokens=1&my_token=2&token_type=3&x=token', names).query).toBe('tokens=1&my_token=2&token_type=3&x=token')
  })
})
