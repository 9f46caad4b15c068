import { describe, expect, it } from 'vitest'
import { parseBenchOptions } from '../../bench/bench-options.js'

const TARGETS = ['raw-undici', 'sg-off']

describe('parseBenchOptions --json', () => {
  it('reads the file the JSON result goes to, in both spellings, and none by default', () => {
    expect(parseBenchOptions([], true, TARGETS).json).toBeUndefined()
    expect(parseBenchOptions(['--json', 'out.json'], true, TARGETS).json).toBe('out.json')
    expect(parseBenchOptions(['--json=out.json', '--targets', 'sg-off'], true, TARGETS)).toMatchObject({ json: 'out.json', targets: ['sg-off'] })
  })

  it('refuses --json without a file name, naming the flag', () => {
    expect(() => parseBenchOptions(['--json'], true, TARGETS)).toThrow('--json needs a file name (got nothing)')
    expect(() => parseBenchOptions(['--json', '--rounds', '3'], true, TARGETS)).toThrow('--json needs a file name (got "--rounds")')
  })
})
