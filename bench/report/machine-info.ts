import { cpus, loadavg, release, totalmem } from 'node:os'

export interface MachineInfo {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly kernel: string
  /** 1-minute load average when the bench started: above ~0.5 the numbers share the CPU with something else. */
  readonly loadAtStart: number
}

export function machineInfo(): MachineInfo {
  const list = cpus()
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    loadAtStart: loadavg()[0] ?? 0,
  }
}
