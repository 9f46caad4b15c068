/**
 * The JSON both upstreams answer for a path: derived from the path, so the client can check that
 * every response it got is the one for its own request (not a neighbour's, not a cut one).
 */
export function itemBody(path: string): string {
  const id = /\/items\/(\d+)/.exec(path)?.[1] ?? '0'
  const n = Number(id)
  const lines = Array.from({ length: 6 }, (_, i) => ({ sku: `SKU-${n}-${i}`, qty: (n + i) % 9, price: 10 + ((n * 7 + i) % 50) / 4 }))
  return JSON.stringify({ id: n, path, name: `item ${n}`, currency: 'EUR', lines })
}
