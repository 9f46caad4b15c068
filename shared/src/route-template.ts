/**
 * Path templates for route rules: literal segments, `:name` parameters (one segment) and a final
 * `*` (the rest of the path, possibly empty). `/users/:id`, `/static/*`, `/` and `/*` are valid.
 */
export interface RouteTemplate {
  readonly source: string
  /** True when `path` (no query string) matches the template. */
  matches(path: string): boolean
}

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
    if (p.startsWith(':') && !/^:[A-Za-z_][A-Za-z0-9_]*$/.test(p)) return `has an invalid parameter "${p}"`
    if (/[?#\s]/.test(p)) return `has an invalid segment "${p}"`
  }
  return undefined
}

export function compileRouteTemplate(template: string): RouteTemplate {
  const err = routeTemplateError(template)
  if (err) throw new TypeError(`route template "${template}" ${err}`)
  const parts = template.split('/').slice(1)
  const wildcard = parts.at(-1) === '*'
  const fixed = wildcard ? parts.slice(0, -1) : parts
  return {
    source: template,
    matches(path: string): boolean {
      const segs = path.split('/').slice(1)
      // `/static/*` needs something after `/static/` (possibly empty), as nginx's `location /static/` does.
      if (wildcard ? segs.length <= fixed.length : segs.length !== fixed.length) return false
      for (let i = 0; i < fixed.length; i++) {
        const f = fixed[i] ?? ''
        const s = segs[i] ?? ''
        if (f.startsWith(':')) {
          if (s === '') return false
        } else if (f !== s) return false
      }
      return true
    },
  }
}
