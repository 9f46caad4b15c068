import { describe, expect, it } from 'vitest'
import { classifyValues } from '../../../audit-service/src/noise/value-class.js'

describe('classifyValues', () => {
  it.each([
    ['2026-12-02T11:00:00.123Z', '2026-12-02T11:00:01.456Z', 'timestamp'],
    ['Wed, 02 Dec 2026 11:00:00 GMT', 'Wed, 02 Dec 2026 11:00:01 GMT', 'timestamp'],
    [1764673200000, 1764673201000, 'timestamp'],
    ['0b9f7c1e-3a51-4f63-9a5e-8a6c1d2e3f40', '7d1e2f3a-4b5c-4d6e-8f70-819a2b3c4d5e', 'uuid'],
    ['a8F3kQ9zL2mN7xR4', 'Zt5Yq1Wp8Lk3Jh6G', 'token'],
    [41, 42, 'counter'],
    [1.5, 2.25, 'number'],
    ['red', 'blue', 'text'],
    ['red', 3, 'other'],
    [undefined, '2026-12-02T11:00:00Z', 'timestamp'],
  ] as const)('%s / %s → %s', (a, b, expected) => {
    expect(classifyValues(a, b)).toBe(expected)
  })
})
