// Public API of @shadowgate/cli: the `shadowgate` command, the demo and its sample apps. Named exports only.
export { runCli, CLI_USAGE } from './run-cli.js'
export { runDemoCommand } from './demo/run-demo-command.js'
export { buildSampleCatalogApp } from './demo/sample-catalog-app.js'
export type { SampleCatalogAppOptions } from './demo/sample-catalog-app.js'
export { CliError, DemoPrerequisiteError } from './errors.js'
