import { describe, expect, it } from 'vitest'
import { interpolateEnv, referencedEnvNames } from '@shadowgate/shared'

describe('interpolateEnv', () => {
  it('replaces variables in nested values, with defaults and escapes', () => {
    const out = interpolateEnv({ a: '${X}', b: ['x-${Y:-dflt}'], c: { d: '$${X}' }, e: 5 }, { X: 'one' })
    expect(out).toEqual({ a: 'one', b: ['x-dflt'], c: { d: '${X}' }, e: 5 })
  })

  it('lists referenced names', () => {
    expect(referencedEnvNames('a: ${A}\nb: ${B:-x} ${A}')).toEqual(['A', 'B'])
  })
})
