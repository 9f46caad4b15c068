import { describe, expect, it } from 'vitest'
import { compileRouteTemplate, routeTemplateError } from '@shadowgate/shared'

describe('route templates', () => {
  it.each([
    ['/users/:id', '/users/42', true],
    ['/users/:id', '/users/', false],
    ['/users/:id', '/users/42/x', false],
    ['/static/*', '/static/a/b.css', true],
    ['/static/*', '/static', false],
    ['/static/*', '/static/', true],
    ['/*', '/anything/at/all', true],
    ['/', '/', true],
    ['/', '/x', false],
  ])('%s matches %s: %s', (tpl, path, expected) => {
    expect(compileRouteTemplate(tpl).matches(path)).toBe(expected)
  })

  it('explains invalid templates', () => {
    expect(routeTemplateError('users')).toBe('must start with "/"')
    expect(routeTemplateError('/a/:1x')).toContain('invalid parameter')
    expect(routeTemplateError('/a*')).toContain('whole segment')
  })
})
