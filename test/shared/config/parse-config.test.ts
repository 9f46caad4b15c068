import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '@shadowgate/shared'

function yamlError(text: string): string {
  try {
    parseConfig(text, { T: 'an-admin-token-0123456789' })
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('a YAML syntax error shows the line, an excerpt and how to fix it', () => {
  it('says to quote unquoted field paths in a flow sequence', () => {
    const message = yamlError('primary: http://127.0.0.1:3000\nroutes:\n  - name: a\n    match: /a\n    audit:\n      ignore: [$.time, $.items[*].id]\n')
    expect(message).toBe(
      [
        'config is not valid YAML at line 6, column 31: Missing , or : between flow sequence items',
        '  5 |     audit:',
        '  6 |       ignore: [$.time, $.items[*].id]',
        '    |                               ^',
        '  field paths contain [ ] and *, which YAML reads as syntax inside [ ] and { }: quote each one, as in',
        "    ignore: ['$.time', '$.items[*].id']",
      ].join('\n'),
    )
  })

  it.each([
    ['a flow map key', '      arrays: { $.items[*].tags: unordered, "$.done": ordered }', "arrays: { '$.items[*].tags': unordered, \"$.done\": ordered }"],
    ['a nested flow map', '      audit: { ignore: [$.items[*].id, $..requestId] } # noise', "audit: { ignore: ['$.items[*].id', '$..requestId'] } # noise"],
  ])('says to quote unquoted field paths in %s', (_where, line, fixed) => {
    const message = yamlError(`primary: http://127.0.0.1:3000\nroutes:\n  - name: a\n    match: /a\n    audit:\n${line}\n`)
    expect(message).toMatch(/^config is not valid YAML at line 6, column \d+: /)
    expect(message.endsWith(`quote each one, as in\n    ${fixed}`)).toBe(true)
  })

  it('points at the original text, ${ENV} references included', () => {
    const message = yamlError('admin: { token: ${T} }\nprimary: ${P:-http://127.0.0.1:3000}\nroutes: [ { name: a, match: /a }\n')
    expect(message).toMatch(/^config is not valid YAML at line 4, column 1: /)
    expect(message).toContain('  3 | routes: [ { name: a, match: /a }')
    expect(message).not.toContain('quote each one')
    const shifted = yamlError('primary: ${P:-http://127.0.0.1:3000}\nadmin: { token: ${T}, port: [1 }\n')
    expect(shifted).toContain('  2 | admin: { token: ${T}, port: [1 }')
    expect(shifted).toMatch(/^config is not valid YAML at line 2, column 32: /)
  })

  it('names a duplicate key by its line', () => {
    expect(yamlError('primary: http://127.0.0.1:3000\nprimary: http://127.0.0.1:3001\n')).toMatch(/^config is not valid YAML at line 2, column 1: Map keys must be unique\n/)
  })
})
