import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { countSyscalls, parseStraceSummary } from '../../../bench/work/syscall-counter.js'

// `strace -c -f` output as strace 6 prints it: the errors column is empty for most calls.
const SUMMARY = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 48.12    0.412345          41     10021           read
 30.00    0.200000          20     10000           writev
 20.00    0.100000          10      5000           write
  1.50    0.010000           5      1402       120 epoll_ctl
  0.38    0.001000           1       731           futex
------ ----------- ----------- --------- --------- ----------------
100.00    0.723345          26     27154       120 total
`

describe('parseStraceSummary', () => {
  it('reads calls per syscall, with or without an errors column, and leaves out the total', () => {
    const calls = parseStraceSummary(SUMMARY)
    expect(Object.fromEntries(calls)).toEqual({ read: 10021, writev: 10000, write: 5000, epoll_ctl: 1402, futex: 731 })
  })

  it('gives an empty map for output without a table (strace failed to attach)', () => {
    expect(parseStraceSummary('strace: attach: ptrace(PTRACE_SEIZE, 1): Operation not permitted\n').size).toBe(0)
  })
})

describe('countSyscalls', () => {
  it('counts the system calls a real process makes while the measured step runs, and only then', async () => {
    // The child writes 500 times to /dev/null for every line it reads, then says so.
    const script = `
      const fs = require('node:fs'); const fd = fs.openSync('/dev/null', 'w')
      require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
        for (let i = 0; i < 500; i++) fs.writeSync(fd, 'x')
        process.stdout.write('done\\n')
      })`
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
    const lines = createInterface({ input: child.stdout })
    const step = async (): Promise<void> => {
      const done = once(lines, 'line')
      child.stdin.write('go\n')
      await done
    }
    try {
      await step() // before strace: not counted
      const calls = await countSyscalls(child.pid ?? -1, async () => {
        await step()
        await step()
      })
      // 1000 synchronous writes to /dev/null, plus the 'done' lines (which libuv may flush as write or writev) and a few more.
      expect(calls.get('write')).toBeGreaterThanOrEqual(1_000)
      expect((calls.get('write') ?? 0) + (calls.get('writev') ?? 0)).toBeGreaterThanOrEqual(1_001)
      expect(calls.get('write')).toBeLessThan(1_100)
    } finally {
      child.kill()
    }
  })

  it('rejects, naming the pid, when strace cannot attach', async () => {
    await expect(countSyscalls(2 ** 22 + 12_345, () => Promise.resolve())).rejects.toThrow(/strace exited .* before attaching to 4206649/)
  })
})
