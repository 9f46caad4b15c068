import { EventEmitter } from 'node:events'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { FaultCounters } from '../../../gateway/src/metrics/fault-counters.js'
import { guardHandler } from '../../../gateway/src/runtime/guard-handler.js'
import { waitFor } from '@shadowgate/dev-helpers'
import { memoryLogger } from './runtime-test-config.js'

describe('guardHandler (a throwing event handler ended the process)', () => {
  it('keeps a throw and a rejection from reaching the emitter, logs and counts them by handler', async () => {
    const { logger, lines } = memoryLogger()
    const registry = new Registry()
    const guard = { logger, faults: new FaultCounters(registry) }
    const emitter = new EventEmitter()
    const seen: string[] = []
    emitter.on('message', guardHandler(guard, 'sync-handler', (m: string) => {
      seen.push(m)
      throw new RangeError('Invalid time value')
    }))
    emitter.on('message', guardHandler(guard, 'async-handler', async (m: string) => {
      await Promise.resolve()
      throw new Error(`async ${m}`)
    }))
    expect(() => emitter.emit('message', 'one')).not.toThrow()
    expect(() => emitter.emit('message', 'two')).not.toThrow()
    expect(seen).toEqual(['one', 'two'])
    await waitFor(() => lines.filter((l) => l['handler'] === 'async-handler').length === 2, 2_000, 'the rejections to be reported')
    const failed = lines.filter((l) => l['msg'] === 'an event handler failed; the event was ignored')
    expect(failed.find((l) => l['handler'] === 'sync-handler')).toMatchObject({ level: 50, err: { type: 'RangeError', message: 'Invalid time value' } })
    const text = await registry.getSingleMetricAsString('shadowgate_event_handler_errors_total')
    expect(text).toContain('shadowgate_event_handler_errors_total{handler="sync-handler"} 2')
    expect(text).toContain('shadowgate_event_handler_errors_total{handler="async-handler"} 2')
  })

  it('passes arguments through and reports nothing when the handler succeeds', () => {
    const { logger, lines } = memoryLogger()
    let got: unknown[] = []
    guardHandler({ logger }, 'ok', (a: number, b: string) => {
      got = [a, b]
    })(1, 'x')
    expect(got).toEqual([1, 'x'])
    expect(lines).toHaveLength(0)
  })
})
