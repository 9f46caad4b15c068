import { formatCollapsedPath, formatPath, type PathSegment } from '@shadowgate/shared'
import type { DiffKind, FieldDifference } from './field-difference.js'
import type { JsonValue } from '../decode/json-value.js'
import { previewValue } from './value-preview.js'

/** Distinct (path, kind) pairs kept for the fingerprint; beyond this a marker stands for the rest. */
export const MAX_DIFFERENCE_GROUPS = 10_000

/**
 * Collects differences: counts every one exactly, stores the first `maxStored` (with bounded value
 * previews), and keeps the distinct (collapsed path, kind) pairs that group mismatches.
 */
export class DifferenceCollector {
  readonly differences: FieldDifference[] = []
  private total = 0
  private readonly groups = new Set<string>()
  private overflow = false

  constructor(readonly maxStored: number) {}

  get count(): number {
    return this.total
  }

  /** Records a difference whose paths are already formatted (status, headers, whole-body text). */
  add(kind: DiffKind, path: string, exactPath: string, primary: unknown, shadow: unknown): void {
    this.total++
    this.group(path, kind)
    if (this.differences.length < this.maxStored) this.differences.push({ path, exactPath, kind, primary, shadow })
  }

  /** Records a body difference at a concrete JSON location. */
  addAt(kind: DiffKind, segments: readonly PathSegment[], primary: JsonValue | undefined, shadow: JsonValue | undefined): void {
    this.total++
    const path = formatCollapsedPath(segments)
    this.group(path, kind)
    if (this.differences.length >= this.maxStored) return
    this.differences.push({ path, exactPath: formatPath(segments), kind, primary: previewValue(primary), shadow: previewValue(shadow) })
  }

  /** Appends everything another collector found (kept in order, still within this collector's cap). */
  absorb(other: DifferenceCollector): void {
    this.total += other.total
    for (const g of other.groups) this.addGroup(g)
    if (other.overflow) this.overflow = true
    for (const d of other.differences) if (this.differences.length < this.maxStored) this.differences.push(d)
  }

  /** The distinct `path\tkind` pairs, sorted; a trailing `…` entry if there were more than MAX_DIFFERENCE_GROUPS. */
  groupKeys(): string[] {
    const keys = [...this.groups].sort()
    if (this.overflow) keys.push('…')
    return keys
  }

  private group(path: string, kind: DiffKind): void {
    this.addGroup(`${path}\t${kind}`)
  }

  private addGroup(key: string): void {
    if (this.groups.has(key)) return
    if (this.groups.size >= MAX_DIFFERENCE_GROUPS) this.overflow = true
    else this.groups.add(key)
  }
}
