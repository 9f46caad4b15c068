/**
 * Path templates for route rules: literal segments, `:name` parameters (one segment; `{name}`, the
 * OpenAPI spelling, is the same) and a final `*` (the rest of the path, possibly empty).
 * `/users/:id`, `/users/{id}`, `/static/*`, `/` and `/*` are valid.
 *
 * One trailing slash is not significant: `/users/:id` matches `/users/42/` and `/users/` matches
 * `/users`, as Express does by default and as a rule that classifies traffic should (a request must
 * not escape its rule for a slash the upstream may well ignore); the path is forwarded as received
 * either way. `/users//` is not `/users/`, and `/static/*` still needs the slash after `static`.
 */
export interface RouteTemplate {
  readonly source: string
  /** True when `path` (no query string) matches the template. */
  matches(path: string): boolean
}

const PARAM = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Segments of a path or template after the leading `/`, without one trailing empty segment. */
function segmentsOf(path: string): string[] {
  const segs = path.split('/').slice(1)
  if (segs.length > 1 && segs.at(-1) === '' && segs.at(-2) !== '') segs.pop()
  return segs
}

const isParam = (segment: string): boolean => segment.startsWith(':') || segment.startsWith('{')

/** Returns an error text, or undefined when the template is valid. */
export function routeTemplateError(template: string): string | undefined {
  if (typeof template !== 'string' || !template.startsWith('/')) return 'must start with "/"'
  const parts = template.split('/').slice(1)
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? ''
    if (p === '*') {
      if (i !== parts.length - 1) return 'may use "*" only as the last segment'
      continue
    }
    if (p.includes('*')) return 'may use "*" only as a whole segment'
    if (p.startsWith(':') && !PARAM.test(p.slice(1))) return `has an invalid parameter "${p}"`
    if ((p.includes('{') || p.includes('}')) && !(p.startsWith('{') && p.endsWith('}') && PARAM.test(p.slice(1, -1)))) {
      return `has an invalid parameter "${p}" (a parameter is a whole segment, {name} or :name, with name of [A-Za-z0-9_] not starting with a digit)`
    }
    if (/[?#\s]/.test(p)) return `has an invalid segment "${p}"`
  }
  return undefined
}

export function compileRouteTemplate(template: string): RouteTemplate {
  const err = routeTemplateError(template)
  if (err) throw new TypeError(`route template "${template}" ${err}`)
  const parts = segmentsOf(template)
  const wildcard = parts.at(-1) === '*'
  const fixed = wildcard ? parts.slice(0, -1) : parts
  return {
    source: template,
    matches(path: string): boolean {
      // The wildcard's rest may be empty, so its trailing slash is significant.
      const segs = wildcard ? path.split('/').slice(1) : segmentsOf(path)
      // `/static/*` needs something after `/static/` (possibly empty), as nginx's `location /static/` does.
      if (wildcard ? segs.length <= fixed.length : segs.length !== fixed.length) return false
      for (let i = 0; i < fixed.length; i++) {
        const f = fixed[i] ?? ''
        const s = segs[i] ?? ''
        if (isParam(f)) {
          if (s === '') return false
        } else if (f !== s) return false
      }
      return true
    },
  }
}
