import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { callgrindAvailable, collectedInstructions } from '../../../bench/work/instruction-counter.js'

describe('collectedInstructions', () => {
  it('reads the total from the exit summary of a real callgrind run, and nothing from other output', () => {
    expect(callgrindAvailable()).toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'sg-test-callgrind-'))
    try {
      const run = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'out')}`, '/bin/true'], { encoding: 'utf8' })
      expect(run.status).toBe(0)
      const total = collectedInstructions(run.stderr)
      expect(total).toBeGreaterThan(10_000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(collectedInstructions('==1== Events    : Ir\n==1== I   refs:      1,234\n')).toBeUndefined()
  })
})
