import { validateConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { RouteTable, requestPath } from '../../../gateway/src/routes/route-table.js'

const config = validateConfig({
  primary: 'http://127.0.0.1:1',
  shadow: 'http://127.0.0.1:2',
  routes: [
    { name: 'user-write', match: '/users/:id', methods: ['PUT', 'PATCH'] },
    { name: 'user', match: '/users/:id' },
    { name: 'static', match: '/static/*', mirror: { headers: { set: { 'X-Env': 'shadow' }, remove: ['Authorization'] } } },
    { name: 'catch-all', match: '/*' },
  ],
})
const table = new RouteTable(config.routes)

describe('RouteTable', () => {
  it('returns the first rule that matches path and method', () => {
    expect(table.match('PUT', '/users/42')?.name).toBe('user-write')
    expect(table.match('GET', '/users/42')?.name).toBe('user')
    expect(table.match('GET', '/static/css/site.css?v=3')?.name).toBe('static')
    expect(table.match('GET', '/users/42/orders')?.name).toBe('catch-all')
  })

  it('matches the raw path, never decoded, and ignores the query string', () => {
    expect(table.match('GET', '/users/a%2Fb?x=/users/1/2')?.name).toBe('user')
    expect(table.match('GET', '/users/')?.name).toBe('catch-all')
  })

  it('matches absolute-form targets on their path and never matches non-paths', () => {
    expect(table.match('GET', 'http://shop.example/users/7?x=1')?.name).toBe('user')
    expect(table.match('OPTIONS', '*')).toBeUndefined()
    expect(new RouteTable([]).match('GET', '/anything')).toBeUndefined()
  })

  // Regression: `{id}` was a literal segment, so an OpenAPI-style rule never matched and its traffic fell through.
  it('matches {param} rules like :param, with or without one trailing slash', () => {
    const openApi = new RouteTable(
      validateConfig({ primary: 'http://127.0.0.1:1', routes: [{ name: 'product', match: '/products/{id}' }, { name: 'list', match: '/products' }, { name: 'rest', match: '/*' }] }).routes,
    )
    expect(openApi.match('GET', '/products/1')?.name).toBe('product')
    expect(openApi.match('GET', '/products/1/?q=2')?.name).toBe('product')
    expect(openApi.match('GET', '/products/')?.name).toBe('list')
    expect(openApi.match('GET', '/products/1//')?.name).toBe('rest')
    expect(openApi.match('GET', '/products/1/x')?.name).toBe('rest')
  })

  it('refuses a brace that is not a whole parameter segment, naming the rule', () => {
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', routes: [{ name: 'bad', match: '/products/{id}.json' }] })).toThrow(/routes\[0\]\.match.*\{name\} or :name/)
  })

  it('compiles header rewrites: set names are also dropped from the base headers', () => {
    const rewrites = table.byName('static')?.shadowHeaders
    expect(rewrites?.set).toEqual([['x-env', 'shadow']])
    expect([...(rewrites?.drop ?? [])].sort()).toEqual(['authorization', 'x-env'])
  })

  it('keeps the mirror methods of each rule (GET, HEAD, OPTIONS by default)', () => {
    expect([...(table.byName('user')?.mirrorMethods ?? [])]).toEqual(['GET', 'HEAD', 'OPTIONS'])
  })
})

describe('requestPath', () => {
  it('returns the origin-form path of a request target', () => {
    expect(requestPath('/a/b?c')).toBe('/a/b')
    expect(requestPath('https://h:1/x?y')).toBe('/x')
    expect(requestPath('http://h')).toBe('/')
    expect(requestPath('http://h?q')).toBe('/')
    expect(requestPath('*')).toBeUndefined()
    expect(requestPath('garbage')).toBeUndefined()
  })
})
