import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { GcAllocationMeter } from '../../../bench/work/gc-allocation-meter.js'

describe('GcAllocationMeter', () => {
  it("adds up the bytes V8's GC trace reports for a real process, across chunk boundaries", () => {
    // 64 MB of short-lived strings: many young collections, each reporting what was allocated since the last.
    const script = 'let keep = 0; for (let i = 0; i < 2_000_000; i++) keep += ("x" + i).repeat(2).length; console.log(keep)'
    const run = spawnSync(process.execPath, ['--trace-gc-nvp', '--max-semi-space-size=1', '-e', script], { encoding: 'utf8' })
    expect(run.status).toBe(0)
    const meter = new GcAllocationMeter()
    // Fed in odd-sized pieces, as a pipe delivers them.
    for (let i = 0; i < run.stdout.length; i += 777) meter.feed(run.stdout.slice(i, i + 777))
    const { allocated, collections, lowestHeapAfter } = meter.mark()
    expect(collections).toBeGreaterThan(5)
    expect(allocated).toBeGreaterThan(20 * 2 ** 20)
    expect(lowestHeapAfter).toBeGreaterThan(0)
    expect(lowestHeapAfter).toBeLessThan(200 * 2 ** 20)
  })

  it('counts only whole lines with allocated=, and a mark resets the lowest heap', () => {
    const meter = new GcAllocationMeter()
    meter.feed('[1:0x1]  10 ms: pause=0.5 gc=s allocated=1000 total_size_after=5000\nnoise line\n[1:0x1]  20 ms: gc=s alloc')
    expect(meter.mark()).toEqual({ allocated: 1000, collections: 1, lowestHeapAfter: 5000 })
    meter.feed('ated=250 total_size_after=7000\n')
    expect(meter.mark()).toEqual({ allocated: 1250, collections: 2, lowestHeapAfter: 7000 })
    expect(meter.mark().lowestHeapAfter).toBe(Number.POSITIVE_INFINITY)
  })

  it("reads the heap left by a collection in Node 24's spelling too (end_object_size)", () => {
    const meter = new GcAllocationMeter()
    meter.feed('[1:0x1]  10 ms: gc=s start_object_size=9000 end_object_size=4000 allocated=9000\n')
    expect(meter.mark()).toEqual({ allocated: 9000, collections: 1, lowestHeapAfter: 4000 })
  })
})
