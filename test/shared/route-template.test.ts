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
    // Regression: `{id}` (OpenAPI) was taken as a literal segment and never matched.
    ['/users/{id}', '/users/42', true],
    ['/users/{id}/orders/{order_id}', '/users/42/orders/7', true],
    ['/users/{id}', '/users/{id}', true],
    ['/users/{id}', '/users/', false],
    ['/users/{id}', '/users/42/x', false],
    // One trailing slash is not significant, on either side; two are.
    ['/users/:id', '/users/42/', true],
    ['/users/{id}', '/users/42/', true],
    ['/users/:id', '/users/42//', false],
    ['/users', '/users/', true],
    ['/users/', '/users', true],
    ['/users/', '/users/', true],
    ['/users', '/users//', false],
    ['/', '//', false],
    ['/static/*', '/static', false],
  ])('%s matches %s: %s', (tpl, path, expected) => {
    expect(compileRouteTemplate(tpl).matches(path)).toBe(expected)
  })

  it('explains invalid templates', () => {
    expect(routeTemplateError('users')).toBe('must start with "/"')
    expect(routeTemplateError('/a/:1x')).toContain('invalid parameter')
    expect(routeTemplateError('/a*')).toContain('whole segment')
    expect(routeTemplateError('/a/{id}')).toBeUndefined()
    expect(routeTemplateError('/a/{1x}')).toContain('invalid parameter "{1x}"')
    expect(routeTemplateError('/a/{id}.json')).toContain('a parameter is a whole segment, {name} or :name')
    expect(routeTemplateError('/a/{id')).toContain('invalid parameter')
    expect(routeTemplateError('/a/{}')).toContain('invalid parameter')
  })
})
