import { cliErrorLine, colorEnabled, packageVersion } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'

describe('CLI conventions', () => {
  it('formats errors as "shadowgate: <kind> error: <message>"', () => {
    expect(cliErrorLine('connection', 'cannot reach Redis at redis://***@r:6379 (ECONNREFUSED)')).toBe('shadowgate: connection error: cannot reach Redis at redis://***@r:6379 (ECONNREFUSED)')
  })

  // Regression: "NO_COLOR set to an empty string disabled colour" (no-color.org).
  it.each([
    [{}, true, undefined, undefined, true],
    [{ NO_COLOR: '' }, true, undefined, undefined, true],
    [{ NO_COLOR: '1' }, true, undefined, undefined, false],
    [{ NO_COLOR: '0' }, true, undefined, undefined, false],
    [{}, false, undefined, undefined, false],
    [{}, undefined, undefined, undefined, false],
    [{ NO_COLOR: '1' }, false, true, undefined, true],
    [{}, true, undefined, true, false],
  ])('env %j, tty %s, --color %s, --no-color %s: colour %s', (env, isTTY, color, noColor, expected) => {
    expect(colorEnabled({ env, isTTY, color, noColor })).toBe(expected)
  })

  it('reads the version of the nearest package.json above a module', () => {
    expect(packageVersion(new URL('../../shared/src/index.ts', import.meta.url).href)).toMatch(/^\d+\.\d+\.\d+/)
    expect(packageVersion('file:///')).toBeUndefined()
  })
})
