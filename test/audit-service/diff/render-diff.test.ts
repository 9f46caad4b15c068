import { describe, expect, it } from 'vitest'
import { renderDiff } from '../../../audit-service/src/diff/render-diff.js'
import type { FieldDifference } from '../../../audit-service/src/verdict/verdict.js'

const differences: FieldDifference[] = [
  { path: 'status', exactPath: 'status', kind: 'changed', primary: 200, shadow: 500 },
  { path: 'header:content-type', exactPath: 'header:content-type', kind: 'changed', primary: 'application/json', shadow: 'text/html' },
  { path: '$.items[*].price', exactPath: '$.items[3].price', kind: 'changed', primary: 10, shadow: 12 },
  { path: '$.fresh', exactPath: '$.fresh', kind: 'added', shadow: { a: 1 } },
  { path: '$["a b"]', exactPath: '$["a b"]', kind: 'removed', primary: 'x' },
]

describe('renderDiff', () => {
  it('renders the differences as a json-diff of status, headers and body', () => {
    const text = renderDiff({ differences, differenceCount: differences.length }, false)
    expect(text).not.toContain('\u001b[')
    const lines = text.split('\n')
    expect(lines).toContain('-  status: 200')
    expect(lines).toContain('+  status: 500')
    expect(lines).toContain('-    content-type: "application/json"')
    expect(lines).toContain('-        price: 10')
    expect(lines).toContain('+        price: 12')
    expect(text).toContain('[3]: {')
    expect(lines).toContain('+    fresh: {')
    expect(lines).toContain('-    a b: "x"')
  })

  it('colors with ANSI when asked, whatever the terminal', () => {
    const text = renderDiff({ differences, differenceCount: 7 }, true)
    expect(text).toContain('\u001b[31m-  status: 200\u001b[39m')
    expect(text).toContain('\u001b[32m+  status: 500\u001b[39m')
    expect(text).toMatch(/… 2 more differences not kept\n$/)
  })

  it('a shadow that answered {} is shown with its empty body, not as if it had no body (regression)', () => {
    const text = renderDiff({ differences: [{ path: '$.a', exactPath: '$.a', kind: 'removed', primary: 1 }], differenceCount: 1 }, false)
    expect(text.split('\n')).toEqual([' {', '   body: {', '-    a: 1', '   }', ' }', ''])
    const nested = renderDiff({ differences: [{ path: '$.items[*].id', exactPath: '$.items[0].id', kind: 'added', shadow: 7 }], differenceCount: 1 }, false)
    expect(nested).not.toMatch(/^-/m)
    expect(nested).toContain('+        id: 7')
    const header = renderDiff({ differences: [{ path: 'header:vary', exactPath: 'header:vary', kind: 'removed', primary: 'accept' }], differenceCount: 1 }, false)
    expect(header.split('\n')).toContain('   headers: {')
  })

  it('a body that is only {} on the shadow side is still shown as {} (added at $)', () => {
    const text = renderDiff({ differences: [{ path: '$', exactPath: '$', kind: 'added', shadow: {} }], differenceCount: 1 }, false)
    expect(text).toContain('+  body: {')
  })

  it('renders nothing for a sample without differences', () => {
    expect(renderDiff({ differences: [], differenceCount: 0 }, true)).toBe('')
  })
})
