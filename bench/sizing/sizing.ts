/**
 * `npm run bench:sizing -- --rps 100000 --mirror 10 --audit 10 --from gateway.json --from audit.json`:
 * the deployment docs/sizing.md describes, computed from the benches' JSON output (bench:gateway
 * --json, bench:audit-rate --json); any unit cost can be given or overridden by a flag. Prints a
 * markdown table for 10k, 100k and 1M requests per second and the --rps asked for.
 */
import { readFile } from 'node:fs/promises'
import { numberFlag, readFlags } from '../bench-flags.js'
import { jsonFlag } from '../report/json-output.js'
import { completeCosts, readBenchResult, type PartialCosts } from './sizing-inputs.js'
import { checkSizing, sizeDeployment, type SizingInput, type SizingRow, type UnitCosts } from './sizing-model.js'

const USAGE = `usage: npm run bench:sizing -- --rps N --mirror P --audit P --from FILE [--from FILE] [flags]
  --rps N                  client requests per second to size for (rows for 10k, 100k and 1M are printed too)
  --mirror P               share of requests mirrored, 0-100 (mirror.percent)
  --audit P                share of mirrored pairs audited, 0-100 (audit.percent)
  --from FILE              JSON of bench:gateway --json or bench:audit-rate --json (repeatable)
  --case LABEL             audit case that sizes workers and Redis (default "4 KB")
  --utilisation U          how busy a core may run at peak, 0-1 (default 0.7)
  --per-core-efficiency E  per-core throughput of N gateway processes vs one (default 0.9, the bench:workers target)
  --cpu-off US, --cpu-mirror US, --cpu-audit US, --worker-pairs N, --redis-cmds N, --redis-cpu-us US
                           unit costs, instead of or over those read from --from`

const STANDARD_RATES = [10_000, 100_000, 1_000_000]

interface SizingArgs {
  readonly input: Omit<SizingInput, 'rps'> & { rps: number }
  readonly from: readonly string[]
  readonly caseLabel: string
  readonly overrides: PartialCosts
  readonly help: boolean
}

const COST_FLAGS: Readonly<Record<string, keyof UnitCosts>> = {
  '--cpu-off': 'gatewayOffUs',
  '--cpu-mirror': 'gatewayMirrorUs',
  '--cpu-audit': 'gatewayAuditUs',
  '--worker-pairs': 'workerPairsPerS',
  '--redis-cmds': 'redisCommandsPerPair',
  '--redis-cpu-us': 'redisCpuUsPerPair',
}

function parseSizingArgs(argv: readonly string[]): SizingArgs {
  const input = { rps: Number.NaN, mirrorPercent: Number.NaN, auditPercent: Number.NaN, utilisation: 0.7, perCoreEfficiency: 0.9 }
  const from: string[] = []
  const overrides: PartialCosts = {}
  let caseLabel = '4 KB'
  const { help } = readFlags(
    argv,
    (name, value) => {
      const cost = COST_FLAGS[name]
      if (cost !== undefined) overrides[cost] = numberFlag(name, value(), 0, 1e9, false)
      else if (name === '--rps') input.rps = numberFlag(name, value(), 1, 1e9, false)
      else if (name === '--mirror') input.mirrorPercent = numberFlag(name, value(), 0, 100, false)
      else if (name === '--audit') input.auditPercent = numberFlag(name, value(), 0, 100, false)
      else if (name === '--utilisation') input.utilisation = numberFlag(name, value(), 0.01, 1, false)
      else if (name === '--per-core-efficiency') input.perCoreEfficiency = numberFlag(name, value(), 0.01, 1, false)
      else if (name === '--from') from.push(jsonFlag(name, value()))
      else if (name === '--case') caseLabel = value() ?? ''
      else return false
      return true
    },
    USAGE,
  )
  if (!help) for (const [flag, v] of [['--rps', input.rps], ['--mirror', input.mirrorPercent], ['--audit', input.auditPercent]] as const) if (Number.isNaN(v)) throw new Error(`${flag} is required`)
  return { input, from, caseLabel, overrides, help }
}

const f0 = (v: number): string => Math.round(v).toLocaleString('en-US')
const f1 = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1))

/** The table, one row per rate. */
function formatSizing(costs: UnitCosts, rows: readonly SizingRow[], input: Omit<SizingInput, 'rps'>): string {
  return [
    `Unit costs: gateway CPU ${costs.gatewayOffUs.toFixed(1)} / ${costs.gatewayMirrorUs.toFixed(1)} / ${costs.gatewayAuditUs.toFixed(1)} µs per request (mirror off / mirror / mirror + audit); one worker ${f0(costs.workerPairsPerS)} pairs/s; Redis ${costs.redisCommandsPerPair.toFixed(2)} commands and ${costs.redisCpuUsPerPair.toFixed(1)} µs CPU per audited pair.`,
    `Mirror ${input.mirrorPercent} % of requests, audit ${input.auditPercent} % of mirrored pairs; cores planned at ${input.utilisation * 100} % busy; gateway per-core efficiency ${input.perCoreEfficiency}.`,
    '',
    '| client req/s | mirrored/s | audited pairs/s | gateway cores busy | gateway processes | worker cores busy | audit workers | Redis commands/s | Redis cores busy | Redis shards |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${f0(r.rps)} | ${f0(r.mirroredPerS)} | ${f0(r.auditedPerS)} | ${f1(r.gatewayCores)} | ${r.gatewayProcesses} | ${f1(r.workerCores)} | ${r.workers} | ${f0(r.redisCommandsPerS)} | ${f1(r.redisCores)} | ${r.redisShards} |`),
  ].join('\n')
}

async function main(): Promise<number> {
  let args: SizingArgs
  try {
    args = parseSizingArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`)
    return 2
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  try {
    const found: PartialCosts = {}
    for (const file of args.from) {
      let data: unknown
      try {
        data = JSON.parse(await readFile(file, 'utf8'))
      } catch (err) {
        throw new Error(`${file}: cannot read it as JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
      readBenchResult(data, file, { label: args.caseLabel }, found)
    }
    const costs = completeCosts({ ...found, ...args.overrides })
    checkSizing(costs, args.input)
    const rates = [...new Set([...STANDARD_RATES, args.input.rps])].sort((a, b) => a - b)
    const rows = rates.map((rps) => sizeDeployment(costs, { ...args.input, rps }))
    process.stdout.write(`${formatSizing(costs, rows, args.input)}\n`)
    return 0
  } catch (err) {
    process.stderr.write(`bench:sizing: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

process.exitCode = await main()
