import { describe, expect, it } from 'vitest'
import { DifferenceCollector } from '../../../audit-service/src/diff/difference-collector.js'
import { diffHeaders } from '../../../audit-service/src/diff/header-diff.js'
import { HEADER_RULES, headerComparisonKey, parseHttpDate, splitHeaderList } from '../../../audit-service/src/diff/header-semantics.js'

/** [header, primary value, shadow value]: the same meaning spelled differently. */
const EQUIVALENT: [string, string, string][] = [
  ['content-type', 'application/json; charset=UTF-8', 'Application/JSON;charset=utf-8'],
  ['content-type', 'application/json', 'application/json; charset=utf-8'],
  ['content-type', 'application/problem+json; charset="UTF-8"', 'application/problem+json'],
  ['content-type', 'text/plain; format=flowed; charset=utf-8', 'text/plain;charset="utf-8";format=flowed'],
  ['content-type', 'multipart/mixed; boundary="abc"', 'multipart/mixed; BOUNDARY=abc'],
  ['vary', 'Accept-Encoding, Origin', 'origin,accept-encoding'],
  ['vary', 'accept', 'Accept, accept'],
  ['vary', 'accept, , origin', 'origin, accept'],
  ['allow', 'GET, HEAD, OPTIONS', 'OPTIONS,GET,HEAD'],
  ['content-language', 'en-US, de', 'DE, en-us'],
  ['access-control-allow-headers', 'Content-Type, X-Request-Id', 'x-request-id, content-type'],
  ['access-control-expose-headers', 'ETag', 'etag'],
  ['access-control-allow-methods', 'GET, POST', 'POST, GET'],
  ['cache-control', 'public, max-age=60', 'max-age="60", Public'],
  ['cache-control', 'private="Set-Cookie, X-A", no-store', 'no-store, private="x-a, set-cookie"'],
  ['content-encoding', 'GZIP', 'gzip'],
  ['content-encoding', 'deflate, gzip', 'deflate,gzip'],
  ['last-modified', 'Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT'],
  ['expires', 'Sun, 06 Nov 1994 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994'],
  ['expires', '0', '-1'],
  ['date', 'Thu, 01 Jan 2026 00:00:00 GMT', 'thu, 01 jan 2026 00:00:00 gmt'],
  ['content-length', '42', '042'],
  ['access-control-max-age', ' 600', '600 '],
  ['etag', ' "abc" ', '"abc"'],
]

/** The same header with a different meaning. */
const DIFFERENT: [string, string, string][] = [
  ['content-type', 'application/json', 'text/html'],
  ['content-type', 'text/plain; charset=utf-8', 'text/plain'],
  ['content-type', 'text/plain; charset=utf-8', 'text/plain; charset=iso-8859-1'],
  ['content-type', 'application/json; charset=utf-16', 'application/json'],
  ['content-type', 'multipart/mixed; boundary=abc', 'multipart/mixed; boundary=ABC'],
  ['vary', 'Accept-Encoding', 'Accept-Encoding, Origin'],
  ['vary', '*', 'Accept'],
  ['allow', 'GET, HEAD', 'get, head'],
  ['allow', 'GET', 'GET, POST'],
  ['content-language', 'en', 'en-US'],
  ['access-control-allow-headers', 'content-type', 'content-type, authorization'],
  ['access-control-allow-methods', 'GET', 'get'],
  ['cache-control', 'max-age=60', 'max-age=120'],
  ['cache-control', 'public', 'private'],
  ['cache-control', 'no-cache', 'no-cache="set-cookie"'],
  ['content-encoding', 'deflate, gzip', 'gzip, deflate'],
  ['last-modified', 'Sun, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:38 GMT'],
  ['content-length', '42', '43'],
  ['expires', '0', 'Sun, 06 Nov 1994 08:49:37 GMT'],
  ['date', 'Thu, 01 Jan 2026 00:00:00 GMT', 'Thu, 01 Jan 2026 00:00:00 +0100'],
  ['access-control-allow-origin', 'https://a.example', 'https://b.example'],
  ['etag', '"abc"', 'W/"abc"'],
  ['x-custom', 'A', 'a'],
]

function compare(name: string, primary: string, shadow: string): DifferenceCollector {
  const out = new DifferenceCollector(10)
  diffHeaders({ [name]: primary }, { [name]: shadow }, [name], out)
  return out
}

describe('header comparison by meaning', () => {
  it.each(EQUIVALENT)('%s: "%s" and "%s" are the same (match)', (name, a, b) => {
    expect(compare(name, a, b).count).toBe(0)
    expect(compare(name, b, a).count).toBe(0)
  })

  it.each(DIFFERENT)('%s: "%s" and "%s" differ (changed)', (name, a, b) => {
    const out = compare(name, a, b)
    expect(out.differences).toEqual([{ path: `header:${name}`, exactPath: `header:${name}`, kind: 'changed', primary: a, shadow: b }])
  })

  it('has a case in both tables for every header with a rule', () => {
    for (const name of Object.keys(HEADER_RULES).filter((n) => n !== 'date' && n !== 'access-control-request-headers')) {
      expect(EQUIVALENT.some(([h]) => h === name) || DIFFERENT.some(([h]) => h === name), name).toBe(true)
    }
  })

  it('repeated header lines are one list (joined, then read by the rule)', () => {
    const out = new DifferenceCollector(10)
    diffHeaders({ vary: ['Origin', 'Accept'] }, { Vary: 'accept, origin' }, ['vary'], out)
    expect(out.count).toBe(0)
  })

  it('splits lists on commas outside quoted strings only', () => {
    expect(splitHeaderList('a, "b, c", , d')).toEqual(['a', '"b, c"', 'd'])
    expect(splitHeaderList('x="a\\", b", y')).toEqual(['x="a\\", b"', 'y'])
  })

  it('reads only HTTP-date forms, in UTC whatever the local time zone', () => {
    const utc = Date.UTC(1994, 10, 6, 8, 49, 37)
    for (const v of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994']) expect(parseHttpDate(v), v).toBe(utc)
    for (const v of ['0', '1', '2026-01-01', 'Sun, 06 Nov 1994 08:49:37 +0000', 'Sun, 06 Foo 1994 08:49:37 GMT']) expect(parseHttpDate(v), v).toBeUndefined()
  })

  it('an unreadable date or length is compared as text, never as equal to another unreadable one', () => {
    expect(headerComparisonKey('date', 'soon')).not.toBe(headerComparisonKey('date', 'later'))
    expect(headerComparisonKey('content-length', 'x')).not.toBe(headerComparisonKey('content-length', 'y'))
  })
})
