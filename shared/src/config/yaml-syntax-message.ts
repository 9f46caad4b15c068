/** Where the field path starting at `start` ends: its own brackets are balanced, YAML's are not. */
function pathEnd(line: string, start: number): number {
  let depth = 0
  let j = start
  for (; j < line.length; j++) {
    const d = line[j] ?? ''
    if (d === '[') depth++
    else if (d === ']') {
      if (depth === 0) break
      depth--
    } else if (depth === 0 && (d === ',' || d === '}' || /\s/.test(d) || (d === ':' && /^\s?$/.test(line[j + 1] ?? '')))) break
  }
  return j
}

/** The line with every unquoted field path (`$.items[*].id`) single-quoted, or undefined when it has none. */
function quotePaths(line: string): string | undefined {
  let out = ''
  let quote: string | undefined
  let changed = false
  for (let i = 0; i < line.length; ) {
    const c = line[i] ?? ''
    if (quote !== undefined) {
      if (c === quote) quote = undefined
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      out += line.slice(i)
      break
    } else if (c === '"' || c === "'") {
      quote = c
    } else if (c === '$' && /[.[]/.test(line[i + 1] ?? '') && (i === 0 || /[\s,[{]/.test(line[i - 1] ?? ''))) {
      const end = pathEnd(line, i)
      out += `'${line.slice(i, end).replace(/'/g, "''")}'`
      changed = true
      i = end
      continue
    }
    out += c
    i++
  }
  return changed ? out : undefined
}

/**
 * The commonest YAML mistake in a shadowgate config: field paths such as `$.items[*].id` written
 * unquoted inside `[ ]` or `{ }`, where `[`, `]` and `*` are YAML syntax. Returns the advice with the
 * line rewritten, every path quoted, or undefined when the line has no unquoted path.
 */
export function quotedPathsHint(line: string): string | undefined {
  const fixed = quotePaths(line)
  if (fixed === undefined) return undefined
  return `field paths contain [ ] and *, which YAML reads as syntax inside [ ] and { }: quote each one, as in\n    ${fixed.trim()}`
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
