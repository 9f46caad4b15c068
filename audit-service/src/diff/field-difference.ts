/** What differs at one path. `type`: the JSON type differs (number vs string, object vs array, ...). */
export const DIFF_KINDS = ['changed', 'added', 'removed', 'type'] as const
export type DiffKind = (typeof DIFF_KINDS)[number]

export interface FieldDifference {
  /**
   * Aggregation key. Body paths use the shared grammar with indices collapsed (`$.items[*].price`);
   * a status difference is `status`; a compared header is `header:<lower-case name>`.
   */
  readonly path: string
  /** The exact location, indices kept (`$.items[3].price`); equals `path` for status and headers. */
  readonly exactPath: string
  readonly kind: DiffKind
  /** The values on each side (undefined where absent); only kept in samples, never as tags. */
  readonly primary?: unknown
  readonly shadow?: unknown
}
