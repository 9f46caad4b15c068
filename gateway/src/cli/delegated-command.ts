import { EXIT_FAILURE, printErr } from './cli-output.js'

type CommandFn = (argv: string[]) => Promise<number>

/** Commands implemented by other packages, loaded only when used (the audit worker pulls in BullMQ, InfluxDB...). */
const DELEGATES = {
  audit: { module: '@shadowgate/audit-service', exportName: 'runAuditCommand' },
  mismatches: { module: '@shadowgate/audit-service', exportName: 'runMismatchesCommand' },
  noise: { module: '@shadowgate/audit-service', exportName: 'runNoiseCommand' },
  demo: { module: '../demo/run-demo-command.js', exportName: 'runDemoCommand' },
} as const

export type DelegatedCommand = keyof typeof DELEGATES

export function isDelegatedCommand(name: string): name is DelegatedCommand {
  return Object.hasOwn(DELEGATES, name)
}

/** Runs a command exported by another package's public index; a build without it gets a clear message, not a crash. */
export async function runDelegatedCommand(name: DelegatedCommand, argv: readonly string[]): Promise<number> {
  const { module, exportName } = DELEGATES[name]
  let fn: unknown
  try {
    // A variable specifier keeps TypeScript from pulling these modules into the CLI's start-up graph.
    const specifier: string = module
    const mod = (await import(specifier)) as Record<string, unknown>
    fn = mod[exportName]
  } catch (err) {
    printErr(`shadowgate: the ${name} command could not be loaded from ${module}: ${(err as Error).message}`)
    return EXIT_FAILURE
  }
  if (typeof fn !== 'function') {
    printErr(`shadowgate: the ${name} command is not available in this build (${module} does not export ${exportName})`)
    return EXIT_FAILURE
  }
  return await (fn as CommandFn)([...argv])
}
