import { describe, expect, it } from 'vitest'
import { interpolateEnv, parseConfig, referencedEnvNames } from '@shadowgate/shared'

const ADMIN_TOKEN = 'admin-secret-0123456789'

describe('interpolateEnv', () => {
  it('replaces variables in nested values, with defaults and escapes', () => {
    const out = interpolateEnv({ a: '${X}', b: ['x-${Y:-dflt}'], c: { d: '$${X}' }, e: 5 }, { X: 'one' })
    expect(out).toEqual({ a: 'one', b: ['x-dflt'], c: { d: '${X}' }, e: 5 })
  })

  it('lists referenced names', () => {
    expect(referencedEnvNames('a: ${A}\nb: ${B:-x} ${A}')).toEqual(['A', 'B'])
  })
})

describe('finding 10: a literal string never receives the value of another ${ENV} reference', () => {
  // Before: references were swapped for the fixed word SGENVREF<n>X before parsing, so a literal
  // SGENVREF0X anywhere in the file was replaced with the first reference's value, here the admin token.
  it('keeps a literal that looks like the old placeholder, so the admin token never reaches a shadow header', () => {
    const cfg = parseConfig(
      `admin: { token: \${SHADOWGATE_ADMIN_TOKEN} }
primary: http://127.0.0.1:3000
shadow: http://127.0.0.1:3001
routes:
  - name: a
    match: /a
    mirror: { percent: 100, headers: { set: { x-note: SGENVREF0X, x-other: "SGENVREF0X and SGENVREF1X" } } }
`,
      { SHADOWGATE_ADMIN_TOKEN: ADMIN_TOKEN },
    )
    expect(cfg.admin.token).toBe(ADMIN_TOKEN)
    expect(cfg.routes[0]?.mirror.headers.set).toEqual({ 'x-note': 'SGENVREF0X', 'x-other': 'SGENVREF0X and SGENVREF1X' })
  })

  it('keeps literals made of private-use characters and their YAML escapes', () => {
    const text = `admin: { token: \${T} }
primary: http://127.0.0.1:3000
audit: { redactQuery: ["\\uE0000\\uE000", "\u{E000}0\u{E000}", "\u{E001}0\u{E001}"] }
`
    const cfg = parseConfig(text, { T: ADMIN_TOKEN })
    expect(cfg.admin.token).toBe(ADMIN_TOKEN)
    expect(cfg.audit.redactQuery).toEqual(['\u{E000}0\u{E000}', '\u{E000}0\u{E000}', '\u{E001}0\u{E001}'])
  })

  it('substitutes each reference once and never re-reads a value', () => {
    const cfg = parseConfig('primary: ${UP}\nadmin: { token: "${A}${B}" }\n', { UP: 'http://127.0.0.1:3000', A: '${B}-first-half-', B: 'second-half' })
    expect(cfg.admin.token).toBe('${B}-first-half-second-half')
  })

  it('leaves a reference in a mapping key as its text (keys are not interpolated)', () => {
    const text = 'primary: http://127.0.0.1:3000\nroutes:\n  - { name: a, match: /a, mirror: { headers: { set: { x-${K}: v } } } }\n'
    expect(() => parseConfig(text, { K: 'ignored' })).toThrow('routes[0].mirror.headers.set."x-${K}" must be a valid header name')
  })
})
