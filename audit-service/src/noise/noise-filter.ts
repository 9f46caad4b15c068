import { mismatchFingerprint } from '../verdict/mismatch-fingerprint.js'
import type { FieldDifference, Verdict } from '../verdict/verdict.js'
import type { NoiseEvidence } from './noise-store.js'

/** Diffy's defaults: a difference is real when it is more frequent than noise by both margins. */
export const NOISE_RELATIVE_THRESHOLD = 0.2
export const NOISE_ABSOLUTE_THRESHOLD = 0.0003

/** How often each collapsed path differed between the two sides (A/B), as this worker saw it. */
export interface RawRates {
  readonly pairs: number
  readonly paths: ReadonlyMap<string, number>
}

/**
 * Whether a path's A/B differences are explained by the route's A/A noise. Only a path with A/A
 * evidence can be noise; then it is a real difference only when its raw rate is above the noise
 * rate, by more than NOISE_RELATIVE_THRESHOLD of the raw rate and by more than
 * NOISE_ABSOLUTE_THRESHOLD of pairs (Diffy's filter, on rates since A/A pairs are a sample).
 */
export function isNoise(path: string, raw: RawRates, noise: NoiseEvidence): boolean {
  const seen = noise.paths.get(path)?.count ?? 0
  if (noise.pairs === 0 || seen === 0 || raw.pairs === 0) return false
  const rawRate = (raw.paths.get(path) ?? 0) / raw.pairs
  const noiseRate = seen / noise.pairs
  const margin = rawRate - noiseRate
  return !(margin > 0 && margin > NOISE_RELATIVE_THRESHOLD * rawRate && margin > NOISE_ABSOLUTE_THRESHOLD)
}

/**
 * A mismatch verdict without the differences the route's noise explains. Status and header
 * differences are never noise. When nothing is left, the pair is a `match` with reason `noise`.
 */
export function withoutNoise(route: string, verdict: Verdict, raw: RawRates, noise: NoiseEvidence): Verdict {
  if (verdict.outcome !== 'mismatch' || noise.pairs === 0) return verdict
  const noisy = new Set<string>()
  const kept: FieldDifference[] = []
  for (const d of verdict.differences) {
    if (d.path.startsWith('$') && isNoise(d.path, raw, noise)) noisy.add(d.path)
    else kept.push(d)
  }
  if (noisy.size === 0) return verdict
  const noisePaths = [...noisy].sort()
  const removed = verdict.differences.length - kept.length
  if (kept.length === 0 && verdict.differenceCount <= verdict.differences.length) {
    return { ...verdict, outcome: 'match', reason: 'noise', differences: [], differenceCount: 0, fingerprint: undefined, noisePaths }
  }
  const fingerprint = mismatchFingerprint(route, kept.map((d) => `${d.path}\t${d.kind}`), verdict.primaryStatus, verdict.shadowStatus)
  return { ...verdict, differences: kept, differenceCount: verdict.differenceCount - removed, fingerprint, noisePaths }
}
