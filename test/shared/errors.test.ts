import { describe, expect, it } from 'vitest'
import { ConfigError, JobSchemaError, JobVersionError, PathSyntaxError, ShadowgateError } from '@shadowgate/shared'

describe('shared errors', () => {
  it.each([
    [new ConfigError('routes[0].name', 'is required'), 'SG_CONFIG_INVALID', 'routes[0].name is required'],
    [ConfigError.of([{ key: 'primary', constraint: 'is required' }, { key: 'listen.port', constraint: 'must be a number' }]), 'SG_CONFIG_INVALID', 'primary is required\nlisten.port must be a number'],
    [new JobSchemaError('job.v must be 1'), 'SG_JOB_INVALID', 'job.v must be 1'],
    [new JobVersionError('batch.v must be 1 or 2'), 'SG_JOB_VERSION', 'batch.v must be 1 or 2'],
    [new PathSyntaxError('$.a[', 'has an unclosed "["'), 'SG_PATH_INVALID', 'field path "$.a[" has an unclosed "["'],
  ])('%s has a stable code', (err, code, message) => {
    expect(err).toBeInstanceOf(ShadowgateError)
    expect(err.code).toBe(code)
    expect(err.message).toBe(message)
    expect(err.name).toBe(err.constructor.name)
  })

  it('a ConfigError lists every issue, the first one being its key', () => {
    const err = ConfigError.of([{ key: 'primary', constraint: 'is required' }, { key: 'colour', constraint: 'is not a known option' }])
    expect(err.key).toBe('primary')
    expect(err.issues).toEqual([{ key: 'primary', constraint: 'is required' }, { key: 'colour', constraint: 'is not a known option' }])
    expect(new ConfigError('a', 'is required').issues).toEqual([{ key: 'a', constraint: 'is required' }])
  })
})
