import { shadowgateConfigSchema } from './config-schema.js'

/** JSON Schema as a plain JSON value (what JSON.parse returns). */
export type JsonSchemaObject = { [key: string]: unknown }

/** Where the schema is published in the @shadowgate/shared package (and committed in the repository). */
export const CONFIG_JSON_SCHEMA_FILE = 'shadowgate.schema.json'

function isObject(v: unknown): v is JsonSchemaObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * A property with a default may be left out of the file: the definition marks it required (so its
 * static type, read after defaults are filled in, is not optional), the published schema must not.
 */
function relaxDefaulted(node: unknown): void {
  if (Array.isArray(node)) {
    for (const v of node) relaxDefaulted(v)
    return
  }
  if (!isObject(node)) return
  const props = node['properties']
  const required = node['required']
  if (isObject(props) && Array.isArray(required)) {
    const left = required.filter((k) => typeof k === 'string' && !(isObject(props[k]) && 'default' in props[k]))
    if (left.length > 0) node['required'] = left
    else delete node['required']
  }
  for (const v of Object.values(node)) relaxDefaulted(v)
}

/**
 * The JSON Schema of shadowgate.yaml, generated from the definition in config-schema.ts: the
 * validator compiles it, and shadowgate.schema.json is this value written out (a test keeps the
 * committed file equal to it).
 */
export function configJsonSchema(): JsonSchemaObject {
  // A JSON round trip drops TypeBox's symbol-keyed bookkeeping and leaves plain JSON Schema.
  const schema = JSON.parse(JSON.stringify(shadowgateConfigSchema)) as JsonSchemaObject
  relaxDefaulted(schema)
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: CONFIG_JSON_SCHEMA_FILE, ...schema }
}

/** The text of shadowgate.schema.json. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`
}
