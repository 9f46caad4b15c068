/** Splits the inside of a flow sequence at its top-level commas (`$.items[*].id` has brackets of its own). */
function flowItems(inner: string): string[] {
  const items: string[] = []
  let depth = 0
  let cur = ''
  for (const c of inner) {
    if (c === '[' || c === '{') depth++
    if (c === ']' || c === '}') depth--
    if (c === ',' && depth === 0) {
      items.push(cur.trim())
      cur = ''
    } else cur += c
  }
  if (cur.trim() !== '') items.push(cur.trim())
  return items
}

const quoted = (item: string): string => (/^['"]/.test(item) ? item : `'${item.replace(/'/g, "''")}'`)

/**
 * The commonest YAML mistake in a shadowgate config: field paths such as `$.items[*].id` written
 * unquoted in a flow sequence, where `[`, `]` and `*` are YAML syntax. Returns the line rewritten
 * with every item quoted, or undefined when the line is not that case.
 */
export function quotedPathsHint(line: string): string | undefined {
  const m = /^(\s*(?:-\s+)?[A-Za-z0-9_-]+:\s*)\[(.*)\]\s*(#.*)?$/.exec(line)
  if (!m || !/(^|[\s,[])\$[.[]/.test(m[2] ?? '')) return undefined
  const items = flowItems(m[2] ?? '')
  return `field paths contain [ ] and *, which YAML reads as syntax inside [ ]: quote each one, as in\n    ${(m[1] ?? '').trim()} [${items.map(quoted).join(', ')}]`
}

/**
 * A YAML syntax error as a person can act on it: where (line and column), the line itself with a
 * caret under the spot, and for unquoted field paths, the line as it should be written.
 */
export function yamlSyntaxMessage(text: string, offset: number, reason: string): string {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)))
  const lineNo = before.split('\n').length
  const col = before.length - (before.lastIndexOf('\n') + 1) + 1
  const lines = text.split('\n')
  const line = (lines[lineNo - 1] ?? '').replace(/\r$/, '')
  const gutter = String(lineNo)
  const excerpt = [
    ...(lineNo > 1 ? [`  ${String(lineNo - 1).padStart(gutter.length)} | ${(lines[lineNo - 2] ?? '').replace(/\r$/, '')}`] : []),
    `  ${gutter} | ${line}`,
    `  ${' '.repeat(gutter.length)} | ${' '.repeat(col - 1)}^`,
  ]
  const hint = quotedPathsHint(line)
  const why = reason.split('\n')[0]?.replace(/ at line \d+, column \d+:?\s*$/, '') ?? reason
  return [`is not valid YAML at line ${lineNo}, column ${col}: ${why}`, ...excerpt, ...(hint ? [`  ${hint}`] : [])].join('\n')
}
