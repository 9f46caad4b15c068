import type { MismatchGroup, MismatchSample } from '../mismatch/mismatch-group.js'

/** Renders the differences of one sample for a terminal (renderDiff of the diff module). */
export type SampleRenderer = (sample: MismatchSample, color: boolean) => string

const ansi = (code: string, color: boolean) => (s: string): string => (color ? `\u001b[${code}m${s}\u001b[0m` : s)

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n')
}

/**
 * The `shadowgate mismatches` listing: one block per group (route, count, first and last seen,
 * statuses, paths) followed by the colored diff of its latest sample. Stale groups (found under
 * other audit rules than the current ones) are marked and come last.
 */
export function formatMismatchGroups(groups: readonly MismatchGroup[], opts: { color: boolean; route?: string | undefined; since?: string | undefined; render: SampleRenderer }): string {
  const bold = ansi('1', opts.color)
  const dim = ansi('2', opts.color)
  const yellow = ansi('33', opts.color)
  const where = `${opts.route !== undefined ? ` for route ${opts.route}` : ''}${opts.since !== undefined ? ` hit in the last ${opts.since}` : ''}`
  if (groups.length === 0) return `No mismatch groups${where}.\n`
  const stale = groups.filter((g) => g.stale === true).length
  const staleNote = stale > 0 ? ` (${stale} stale: found under other audit rules than the current config, listed last)` : ''
  const out: string[] = [`${groups.length} mismatch group${groups.length === 1 ? '' : 's'}${where}, largest first${staleNote}`, '']
  groups.forEach((g, i) => {
    const mark = g.stale === true ? `  ${yellow('[stale: audit rules changed since]')}` : ''
    out.push(`${bold(`#${i + 1} ${g.route}`)}  count ${bold(String(g.count))}  status ${g.primaryStatus} → ${g.shadowStatus}  reason ${g.reason}${mark}`)
    out.push(`   first seen ${g.firstSeen}  last seen ${g.lastSeen}`)
    out.push(dim(`   fingerprint ${g.fingerprint}`))
    const paths = g.paths.map((p) => `${p.path} (${p.kind})`)
    out.push(`   paths: ${paths.length > 0 ? paths.join(', ') : '-'}`)
    const sample = g.samples[0]
    if (sample) {
      const query = sample.query ? `?${sample.query}` : ''
      out.push(`   latest sample: ${sample.method} ${sample.path}${query}  ${dim(`(job ${sample.jobId}, ${sample.capturedAt}, ${sample.differenceCount} difference${sample.differenceCount === 1 ? '' : 's'}${sample.served === 'new' ? ', served by new' : ''})`)}`)
      // Samples come back from Redis: only well-formed extras are printed.
      if (typeof sample.recheck === 'object' && sample.recheck !== null && typeof sample.recheck.state === 'string') out.push(`   re-check: ${sample.recheck.state}${sample.recheck.delayMs > 0 ? ` after ${sample.recheck.delayMs} ms` : ''}${sample.recheck.why ? ` (${sample.recheck.why})` : ''}`)
      if (Array.isArray(sample.noisePaths)) out.push(dim(`   left out as noise: ${sample.noisePaths.join(', ')}`))
      const diff = opts.render(sample, opts.color).replace(/\n+$/, '')
      if (diff) out.push(indent(diff, '     '))
    } else out.push(dim('   no sample kept'))
    out.push('')
  })
  return `${out.join('\n')}\n`
}
