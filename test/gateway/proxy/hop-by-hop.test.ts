import { describe, expect, it } from 'vitest'
import { connectionNamedHeaders, isHopByHop } from '../../../gateway/src/proxy/hop-by-hop.js'

describe('hop-by-hop headers', () => {
  it.each([
    ['no Connection header', undefined, undefined],
    ['keep-alive (the common fast path)', 'keep-alive', undefined],
    ['Close', 'Close', undefined],
    ['another spelling of keep-alive', 'KEEP-ALIVE', undefined],
    ['keep-alive naming a header', 'Keep-Alive, X-Trace', ['x-trace']],
    ['several values and names', ['close', ' X-A ,x-b,'], ['x-a', 'x-b']],
    ['a one-value list of keep-alive (as undici hands it over)', ['keep-alive'], undefined],
    ['a one-value list naming a header', ['keep-alive, X-Trace'], ['x-trace']],
  ] as const)('Connection: %s', (_what, value, named) => {
    const got = connectionNamedHeaders(value as string | readonly string[] | undefined)
    expect(got === undefined ? undefined : [...got].sort()).toEqual(named)
  })

  it('knows the fixed hop-by-hop names and every Proxy-* header', () => {
    for (const name of ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-connection']) expect(isHopByHop(name), name).toBe(true)
    for (const name of ['content-type', 'x-forwarded-for', 'authorization', 'cookie']) expect(isHopByHop(name), name).toBe(false)
  })
})
