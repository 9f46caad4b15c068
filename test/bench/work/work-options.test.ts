import { describe, expect, it } from 'vitest'
import { DEFAULT_WORK_TARGETS, parseWorkOptions } from '../../../bench/work/work-options.js'

describe('parseWorkOptions', () => {
  it('has defaults', () => {
    expect(parseWorkOptions([])).toEqual({ requests: 40_000, connections: 16, targets: DEFAULT_WORK_TARGETS, instructions: 0, help: false })
  })

  it('reads every flag in both spellings', () => {
    expect(parseWorkOptions(['--requests=2000', '--connections', '4', '--targets', 'sg-fast,sg-slow', '--instructions', '3', '--help'])).toEqual({
      requests: 2_000,
      connections: 4,
      targets: ['sg-fast', 'sg-slow'],
      instructions: 3,
      help: true,
    })
  })

  it('takes the targets that need Redis too (the bench starts a redis-server for them)', () => {
    expect(parseWorkOptions(['--targets', 'sg-fast,sg-capture,sg-audit']).targets).toEqual(['sg-fast', 'sg-capture', 'sg-audit'])
  })

  it.each([
    [['--requests', '10'], '--requests must be an integer between 1000 and 1000000 (got "10")'],
    [['--connections', 'x'], '--connections must be an integer between 1 and 1000 (got "x")'],
    [['--targets', 'direct'], '--targets must list keys among'],
    [['--targets', 'sg-fast,nope'], '--targets must list keys among'],
    [['--rounds', '3'], 'unknown flag "--rounds"'],
    [['--instructions', '21'], '--instructions must be an integer between 0 and 20 (got "21")'],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseWorkOptions(argv)).toThrow(message)
  })
})
