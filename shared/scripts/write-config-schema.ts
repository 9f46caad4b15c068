import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText } from '../src/config/config-json-schema.js'

// Entry point of `npm run schema:config`: rewrites shared/shadowgate.schema.json from the definition
// in config-schema.ts (a test fails while the committed file differs from it).
const target = fileURLToPath(new URL(`../../${CONFIG_JSON_SCHEMA_FILE}`, import.meta.url))
writeFileSync(target, configJsonSchemaText())
process.stdout.write(`wrote ${target}\n`)
