import { describe, expect, it } from 'vitest'
import { logSafeError } from '@shadowgate/shared'

describe('logSafeError', () => {
  it('drops the command arguments an ioredis error carries (a failed AUTH argument is the password)', () => {
    const err = Object.assign(new Error('WRONGPASS invalid username-password pair'), { name: 'ReplyError', command: { name: 'auth', args: ['default', 's3cret-pw'] }, code: 'WRONGPASS' })
    const logged = logSafeError(err)
    expect(JSON.stringify(logged)).not.toContain('s3cret-pw')
    expect(logged).toMatchObject({ type: 'ReplyError', message: 'WRONGPASS invalid username-password pair', code: 'WRONGPASS' })
  })

  it('passes non-errors through', () => {
    expect(logSafeError('plain')).toBe('plain')
  })
})
