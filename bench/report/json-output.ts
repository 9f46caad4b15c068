import { writeFile } from 'node:fs/promises'
import type { MachineInfo } from './machine-info.js'

/** Version of the JSON the benches write with `--json`; readers (bench:sizing) refuse another. */
export const BENCH_JSON_VERSION = 1

/** What every bench's `--json` file starts with; `bench` names the script that wrote it. */
export interface BenchJsonHead {
  readonly v: typeof BENCH_JSON_VERSION
  readonly bench: 'gateway' | 'audit'
  readonly startedAt: string
  readonly machine: MachineInfo
  readonly loadAtEnd: number
}

/** Writes a bench's machine-readable result next to its printed table; a failure names the file. */
export async function writeBenchJson(file: string, data: BenchJsonHead & Record<string, unknown>): Promise<void> {
  try {
    await writeFile(file, `${JSON.stringify(data, null, 2)}\n`)
  } catch (err) {
    throw new Error(`--json ${file}: cannot write the result: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

/** Reads the value of `--json FILE` (a path that is not empty). */
export function jsonFlag(flag: string, text: string | undefined): string {
  if (text === undefined || text.trim() === '' || text.startsWith('--')) throw new Error(`${flag} needs a file name (got ${text === undefined ? 'nothing' : `"${text}"`})`)
  return text
}
