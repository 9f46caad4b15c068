import { EXIT_FAILURE, printCliError } from '@shadowgate/gateway/cli'

type CommandFn = (argv: string[]) => Promise<number>

/**
 * Every command, loaded only when used: `mirror` and `--help` should not pay for loading the
 * gateway, and the gateway should not pay for the audit worker (BullMQ, InfluxDB...).
 */
const COMMANDS = {
  gateway: { module: '@shadowgate/gateway/cli', exportName: 'runGatewayCommand' },
  mirror: { module: '@shadowgate/gateway/cli', exportName: 'runMirrorCommand' },
  load: { module: '@shadowgate/gateway/cli', exportName: 'runLoadCommand' },
  access: { module: '@shadowgate/gateway/cli', exportName: 'runAccessCommand' },
  slow: { module: '@shadowgate/gateway/cli', exportName: 'runSlowCommand' },
  migrate: { module: '@shadowgate/gateway/cli', exportName: 'runMigrateCommand' },
  audit: { module: '@shadowgate/audit-service/cli', exportName: 'runAuditCommand' },
  mismatches: { module: '@shadowgate/audit-service/cli', exportName: 'runMismatchesCommand' },
  noise: { module: '@shadowgate/audit-service/cli', exportName: 'runNoiseCommand' },
  writes: { module: '@shadowgate/gateway/cli', exportName: 'runWritesCommand' },
  replay: { module: '@shadowgate/audit-service/cli', exportName: 'runReplayCommand' },
  demo: { module: './demo/run-demo-command.js', exportName: 'runDemoCommand' },
} as const

export type CommandName = keyof typeof COMMANDS

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name)
}

/** Runs a command exported by a package's entry; a build without it gets a clear message, not a crash. */
export async function runCommand(name: CommandName, argv: readonly string[]): Promise<number> {
  const { module, exportName } = COMMANDS[name]
  let fn: unknown
  try {
    // A variable specifier keeps TypeScript from pulling these modules into the CLI's start-up graph.
    const specifier: string = module
    const mod = (await import(specifier)) as Record<string, unknown>
    fn = mod[exportName]
  } catch (err) {
    printCliError('start', `the ${name} command could not be loaded from ${module}: ${(err as Error).message}`)
    return EXIT_FAILURE
  }
  if (typeof fn !== 'function') {
    printCliError('start', `the ${name} command is not available in this build (${module} does not export ${exportName})`)
    return EXIT_FAILURE
  }
  return await (fn as CommandFn)([...argv])
}
