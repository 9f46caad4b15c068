import { describe, expect, it } from 'vitest'
import { DemoProgress, type ProgressFigures } from '../../../cli/src/demo/demo-progress.js'

function sink(isTTY: boolean, columns?: number): { out: string[]; stream: { write(s: string): void; isTTY: boolean; columns?: number } } {
  const out: string[] = []
  return { out, stream: { write: (s: string) => void out.push(s), isTTY, ...(columns === undefined ? {} : { columns }) } }
}

const figures = (elapsedMs: number, percent?: number): ProgressFigures => ({ elapsedMs, totalMs: 20_000, percent, requests: elapsedMs / 20, mirrored: 10, audited: 9, mismatched: 4 })

describe('DemoProgress', () => {
  it('prints plain lines, at most one per 5 s, when stderr is not a terminal', () => {
    const { out, stream } = sink(false)
    const p = new DemoProgress(stream, { color: true })
    for (let ms = 0; ms <= 12_000; ms += 1_000) p.update(figures(ms, 10))
    p.note('mirror 50 %')
    p.finish()
    expect(out.join('')).not.toContain('\u001b')
    expect(out.join('')).not.toContain('\r')
    expect(out).toEqual([
      '    0/20 s  mirror  10 %  requests 0  mirrored 10  audited 9  mismatched 4\n',
      '    5/20 s  mirror  10 %  requests 250  mirrored 10  audited 9  mismatched 4\n',
      '   10/20 s  mirror  10 %  requests 500  mirrored 10  audited 9  mismatched 4\n',
      'mirror 50 %\n',
      '   12/20 s  mirror  10 %  requests 600  mirrored 10  audited 9  mismatched 4\n',
    ])
  })

  it('redraws one bar in place on a terminal, never wider than the terminal', () => {
    const { out, stream } = sink(true, 60)
    const p = new DemoProgress(stream, { color: false })
    p.update(figures(10_000, 50))
    p.note('a note')
    p.update(figures(20_000, 100))
    p.finish()
    expect(out[0]?.startsWith('\r\u001b[2K')).toBe(true)
    expect(out[0]?.slice('\r\u001b[2K'.length)).toMatch(/^\[█{12}░{12}\] {2}10\/20 s/)
    for (const draw of out.filter((s) => s.startsWith('\r'))) expect(draw.replace('\r\u001b[2K', '').length).toBeLessThan(60)
    expect(out).toContain('a note\n')
    expect(out.at(-1)).toBe('\n')
    expect(out.at(-2)).toMatch(/\[█{24}\]/)
  })
})
