/** The admin API's write-log status as the CLI reads it. */
export interface WriteStatusJson {
  readonly route: string
  readonly stage: string | undefined
  readonly lagEntries: number
  readonly lagSeconds: number
  readonly counters: Readonly<Record<string, number>>
  readonly open: Readonly<Record<string, number>>
  readonly items: readonly { readonly id: string; readonly kind: string; readonly [k: string]: unknown }[]
}

function pairs(o: Readonly<Record<string, number>> | undefined): string {
  const e = Object.entries(o ?? {})
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} ${v}`).join(', ')
}

/** One open item per line: id, kind and what it is about. */
export function formatWriteItems(items: WriteStatusJson['items']): string {
  if (items.length === 0) return '  (none)'
  return items
    .map((i) => {
      const what = i.kind === 'gap' ? `${String(i['count'])} write(s), ${String(i['reason'])}` : [i['method'], i['target'], i['last'] ?? i['why'] ?? i['problem']].filter((x) => x !== undefined).join(' ')
      return `  ${i.id}  ${i.kind.padEnd(9)} ${what}`
    })
    .join('\n')
}

/** A route's status as a few readable lines. */
export function formatWriteStatus(s: WriteStatusJson): string {
  return [
    `route ${s.route}: stage ${s.stage ?? '?'}, lag ${s.lagEntries} entries / ${s.lagSeconds.toFixed(1)} s`,
    `  counters: ${pairs(s.counters)}`,
    `  open: ${pairs(s.open)}`,
    formatWriteItems(s.items),
  ].join('\n')
}
