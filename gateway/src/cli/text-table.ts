/** Aligned columns for a terminal: a header line, then one line per row, two spaces apart. */
export function formatTextTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** A value from the network or Redis as one terminal cell: control characters shown as `?`. */
export function cell(value: unknown): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
}
