import type { Label } from './signal-corpus.js'

/** What the audit recorded for one request: its re-check state, outcome and differing paths. */
export interface Observed {
  readonly outcome: string
  readonly reason: string
  readonly recheck: string
  readonly paths: readonly string[]
}

export interface ScoreRow {
  readonly requests: number
  readonly labelled: number
  readonly predicted: number
  readonly truePositives: number
  /** True positives whose path set is exactly the labelled one. */
  readonly exactPaths: number
  readonly resolved: number
  readonly noise: number
  readonly missing: number
}

function samePaths(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort()
  const y = [...new Set(b)].sort()
  return x.length === y.length && x.every((p, i) => p === y[i])
}

/** Per-request scoring of `persistent` mismatches against the labels; a request with no point counts as missing. */
export function score(items: readonly { label: Label; observed: Observed | undefined }[]): ScoreRow {
  let labelled = 0
  let predicted = 0
  let truePositives = 0
  let exactPaths = 0
  let resolved = 0
  let noise = 0
  let missing = 0
  for (const { label, observed } of items) {
    if (label.persistent) labelled++
    if (!observed) {
      missing++
      continue
    }
    if (observed.recheck === 'resolved') resolved++
    if (observed.reason === 'noise') noise++
    const persistent = observed.recheck === 'persistent'
    if (persistent) predicted++
    if (persistent && label.persistent) {
      truePositives++
      if (samePaths(observed.paths, label.paths)) exactPaths++
    }
  }
  return { requests: items.length, labelled, predicted, truePositives, exactPaths, resolved, noise, missing }
}

/** Precision, recall and the exact-path share; 1 when there is nothing to get wrong. */
export function rates(r: ScoreRow): { precision: number; recall: number; exact: number } {
  return {
    precision: r.predicted === 0 ? (r.labelled === 0 ? 1 : 0) : r.truePositives / r.predicted,
    recall: r.labelled === 0 ? 1 : r.truePositives / r.labelled,
    exact: r.truePositives === 0 ? 1 : r.exactPaths / r.truePositives,
  }
}

export function addRows(rows: readonly ScoreRow[]): ScoreRow {
  const sum = (k: keyof ScoreRow): number => rows.reduce((n, r) => n + r[k], 0)
  return { requests: sum('requests'), labelled: sum('labelled'), predicted: sum('predicted'), truePositives: sum('truePositives'), exactPaths: sum('exactPaths'), resolved: sum('resolved'), noise: sum('noise'), missing: sum('missing') }
}
