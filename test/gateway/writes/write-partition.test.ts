import type { IncomingMessage } from 'node:http'
import { validateConfig } from '@shadowgate/shared'
import { describe, expect, it } from 'vitest'
import { WritePartitioner } from '../../../gateway/src/writes/write-partition.js'

function partitioner(match: string, writes: Record<string, unknown>): WritePartitioner {
  const cfg = validateConfig({ primary: 'http://127.0.0.1:1', shadow: 'http://127.0.0.1:2', routes: [{ name: 'r', match, writes }] })
  const route = cfg.routes[0]
  if (!route?.writes) throw new Error('no writes')
  return new WritePartitioner(route.match, route.writes)
}

function req(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage
}

describe('WritePartitioner', () => {
  it('keys by a path parameter: the same id always lands in the same partition, ids spread over all of them', () => {
    const p = partitioner('/orgs/:org/items/:id', { partitionBy: 'param:id', partitions: 8 })
    expect(p.keyOf(req('/orgs/a/items/42?x=1'))).toBe('42')
    const of = (id: string): number => p.partitionOf(req(`/orgs/a/items/${id}`))
    expect(of('42')).toBe(of('42'))
    expect(p.partitionOf(req('/orgs/zzz/items/42'))).toBe(of('42'))
    const used = new Set(Array.from({ length: 200 }, (_, i) => of(`item-${i}`)))
    expect(used.size).toBe(8)
    for (const n of used) expect(n).toBeGreaterThanOrEqual(0)
  })

  it('keys by a header; a request without the key goes to partition 0', () => {
    const p = partitioner('/t', { partitionBy: 'header:X-Tenant', partitions: 16 })
    expect(p.keyOf(req('/t', { 'x-tenant': 'acme' }))).toBe('acme')
    expect(p.partitionOf(req('/t'))).toBe(0)
    // Stable across processes and versions (FNV-1a): a fixed expectation, not a recomputation.
    expect(p.partitionOf(req('/t', { 'x-tenant': 'acme' }))).toBe(15)
  })

  it('one partition without partitionBy', () => {
    expect(partitioner('/items/:id', {}).partitionOf(req('/items/9'))).toBe(0)
  })
})
