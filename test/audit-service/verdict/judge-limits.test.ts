import { describe, expect, it } from 'vitest'
import { judgeLimitsFrom } from '../../../audit-service/src/verdict/judge-limits.js'

describe('judgeLimitsFrom', () => {
  it('takes the three limits of the worker config', () => {
    expect(judgeLimitsFrom({ maxDecodedBytes: 10, maxJsonDepth: 20, diffTimeoutMs: 30 })).toEqual({ maxDecodedBytes: 10, maxJsonDepth: 20, diffTimeoutMs: 30 })
  })
})
