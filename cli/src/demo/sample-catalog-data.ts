/**
 * The fixed catalog both sample variants serve. Prices are kept in thousandths so each variant's
 * rounding is exact integer arithmetic: the differences the demo shows are the designed ones, never
 * floating-point accidents.
 */
export type SampleVariant = 'v1' | 'v2'

export const SAMPLE_VARIANTS: readonly SampleVariant[] = ['v1', 'v2']

export interface SampleCategory {
  readonly id: number
  readonly name: string
}

export interface SampleProduct {
  readonly id: number
  readonly name: string
  readonly categoryId: number
  /** Unit price in thousandths of the currency unit (19994 is 19.994). */
  readonly priceMilli: number
  readonly stock: number
  readonly tags: readonly string[]
}

export const SAMPLE_CATEGORIES: readonly SampleCategory[] = [
  { id: 1, name: 'Kitchen' },
  { id: 2, name: 'Garden' },
  { id: 3, name: 'Books' },
  { id: 4, name: 'Audio' },
  { id: 5, name: 'Bicycles' },
]

// Some prices round the same way in both variants (4.500, 12.000), others do not (19.994, 7.449).
export const SAMPLE_PRODUCTS: readonly SampleProduct[] = [
  { id: 1, name: 'Cast iron skillet', categoryId: 1, priceMilli: 34_500, stock: 12, tags: ['cookware'] },
  { id: 2, name: 'Chef knife', categoryId: 1, priceMilli: 19_994, stock: 40, tags: ['cookware', 'steel'] },
  { id: 3, name: 'Espresso cups (set of 4)', categoryId: 1, priceMilli: 12_000, stock: 25, tags: ['coffee'] },
  { id: 4, name: 'Garden hose 25 m', categoryId: 2, priceMilli: 27_449, stock: 8, tags: ['watering'] },
  { id: 5, name: 'Pruning shears', categoryId: 2, priceMilli: 4_500, stock: 60, tags: ['tools'] },
  { id: 6, name: 'Seed starter kit', categoryId: 2, priceMilli: 7_449, stock: 0, tags: ['seeds'] },
  { id: 7, name: 'Field guide to birds', categoryId: 3, priceMilli: 15_000, stock: 14, tags: ['nature'] },
  { id: 8, name: 'Sourdough handbook', categoryId: 3, priceMilli: 9_990, stock: 30, tags: ['baking'] },
  { id: 9, name: 'Bookshelf speakers', categoryId: 4, priceMilli: 149_949, stock: 5, tags: ['speakers'] },
  { id: 10, name: 'Headphone stand', categoryId: 4, priceMilli: 22_000, stock: 18, tags: ['accessories'] },
  { id: 11, name: 'Bicycle pump', categoryId: 5, priceMilli: 24_994, stock: 22, tags: ['tools', 'cycling'] },
  { id: 12, name: 'Bike lights (pair)', categoryId: 5, priceMilli: 18_500, stock: 35, tags: ['cycling', 'safety'] },
]

/**
 * The price as each variant publishes it: v1 rounds to cents (19.994 → 19.99), v2 to tenths
 * (19.994 → 20). Half-way values round up in both.
 */
export function samplePrice(variant: SampleVariant, priceMilli: number): number {
  return variant === 'v1' ? Math.round(priceMilli / 10) / 100 : Math.round(priceMilli / 100) / 10
}

/** Categories in the order each variant lists them: v1 by id, v2 by name. */
export function sampleCategoryOrder(variant: SampleVariant): readonly SampleCategory[] {
  const list = [...SAMPLE_CATEGORIES]
  return variant === 'v1' ? list.sort((a, b) => a.id - b.id) : list.sort((a, b) => a.name.localeCompare(b.name, 'en'))
}
