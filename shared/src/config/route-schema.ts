import { Type } from '@sinclair/typebox'
import { DEFAULT_STAGE, MIGRATION_STAGES, type MigrationStage } from '../migration-stage.js'
import { DURATION_MESSAGE, DURATION_PATTERN, HEADER_NAME_PATTERN, HEADER_VALUE_PATTERN, duration, fieldPathList, headerList, methodList, percent, section, upstream } from './config-schema-builders.js'
import * as D from './defaults.js'
import { routeGateSchema } from './route-gate-schema.js'
import { routeWritesSchema } from './route-writes-schema.js'

/** A duration, or a factor of the route's recent p99 such as `2x` (never 0x). */
const SLOW_THRESHOLD_PATTERN = '^\\s*([0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d)?|(?!0*(\\.0*)?x)[0-9]*(\\.[0-9]+)?x)\\s*$'

const routeMirror = section(
  {
    percent: percent(D.DEFAULT_MIRROR_PERCENT, 'Share of matching requests copied to the shadow, 0-100.'),
    sticky: Type.Optional(Type.String({ pattern: '^(header|cookie|query):.+$', errorMessage: 'must be header:<name>, cookie:<name> or query:<name>', description: 'Mirror the same callers every time: header:<name>, cookie:<name> or query:<name>.' })),
    methods: methodList(D.DEFAULT_MIRROR_METHODS, 'Methods copied to the shadow; add writes only when the shadow has its own datastore.'),
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Largest request body copied (default: mirror.maxBodyBytes).' })),
    headers: section(
      {
        set: Type.Record(Type.String(), Type.String({ pattern: HEADER_VALUE_PATTERN, errorMessage: 'must not contain CR, LF or other control characters (not allowed in an HTTP header value)' }), {
          default: {},
          propertyNames: { pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name' },
          description: 'Headers set on the copy sent to the shadow.',
        }),
        remove: headerList([], 'Headers removed from the copy sent to the shadow.'),
      },
      'Header rewrites of the copy sent to the shadow.',
    ),
  },
  'How this route is copied to the shadow.',
)

const tolerance = Type.Object(
  { absolute: Type.Optional(Type.Number({ minimum: 0 })), relative: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) },
  { additionalProperties: false, anyOf: [{ required: ['absolute'] }, { required: ['relative'] }], errorMessage: 'needs absolute or relative' },
)

const routeAudit = section(
  {
    percent: percent(D.DEFAULT_AUDIT_PERCENT, 'Share of mirrored pairs sent to the audit queue, 0-100.'),
    ignore: fieldPathList('Field paths left out of the comparison, such as $.generatedAt.'),
    ignoreHeaders: headerList([], 'Headers left out of the comparison.'),
    compareHeaders: headerList(D.DEFAULT_COMPARE_HEADERS, 'Response headers compared.'),
    arrays: Type.Record(Type.String(), Type.String({ pattern: '^(ordered|unordered|keyed:[A-Za-z_][A-Za-z0-9_]*)$', errorMessage: 'must be ordered, unordered or keyed:<field>' }), {
      default: {},
      propertyNames: { fieldPath: true },
      description: 'How arrays at these field paths are compared: ordered, unordered or keyed:<field>.',
    }),
    tolerance: Type.Record(Type.String(), tolerance, { default: {}, propertyNames: { fieldPath: true }, description: 'Numeric tolerance at these field paths.' }),
    numbers: Type.Unsafe<'value' | 'literal'>({
      type: 'string',
      enum: ['value', 'literal'],
      default: D.DEFAULT_NUMBER_COMPARISON,
      description: 'JSON numbers compared as numbers (value: 1.0 equals 1) or as written (literal); big integers stay exact either way.',
    }),
  },
  'How the pairs of this route are compared.',
)

const routeRecheck = section(
  {
    enabled: Type.Boolean({ default: false, description: 'Re-check suspect mismatches of safe requests against both upstreams before they count.' }),
    delay: Type.Optional(Type.Unsafe<string | number>({ type: ['string', 'number'], pattern: DURATION_PATTERN, duration: { min: 1 }, errorMessage: DURATION_MESSAGE, description: 'First re-check delay (default: max(1s, 2 × the route\'s recent shadow latency)).' })),
    secondDelay: duration(D.DEFAULT_RECHECK_SECOND_DELAY_MS, { min: 1 }, 'Second re-check delay.'),
    maxShare: Type.Number({ minimum: 0, maximum: 1, default: D.DEFAULT_RECHECK_MAX_SHARE, description: 'Most re-checks as a share (0-1) of the route\'s audited pairs.' }),
    maxRate: Type.Number({ minimum: 0, default: D.DEFAULT_RECHECK_MAX_RATE, description: 'Most re-checks per second for the route.' }),
    headers: Type.Record(Type.String(), Type.String({ pattern: HEADER_VALUE_PATTERN, errorMessage: 'must not contain CR, LF or other control characters (not allowed in an HTTP header value)' }), {
      default: {},
      propertyNames: { pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name' },
      description: 'Headers every re-check sends (credentials the audit never stores).',
    }),
  },
  'Re-checks of suspect mismatches (the moving target).',
)

const routeNoise = section(
  {
    sample: Type.Number({ minimum: 0, maximum: 1, default: D.DEFAULT_NOISE_SAMPLE, description: 'Share (0-1) of audited safe pairs sent twice to the shadow (A/A) to learn noise.' }),
    maxRate: Type.Number({ minimum: 0, default: D.DEFAULT_NOISE_MAX_RATE, description: 'Most A/A samples per second for the route.' }),
  },
  'A/A noise sampling of the new side.',
)

/** One entry of routes: what it matches, its upstreams, its stage and how it is mirrored, audited, logged and gated. */
export const routeSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', errorMessage: 'must be 1-64 characters of letters, digits, "_", "-" or "."', description: 'Unique name, used in metrics and the admin API.' }),
    match: Type.String({ routeTemplate: true, description: 'Path template such as /products/:id or /static/*.' }),
    methods: Type.Optional(methodList(undefined, 'Methods this rule matches (default: every method).')),
    old: Type.Optional(upstream('Old side of this route\'s migration, the upstream that serves today (default: the top-level primary). Alias: primary.')),
    new: Type.Optional(upstream('New side of this route\'s migration (default: the top-level shadow). Alias: shadow.')),
    primary: Type.Optional(upstream('Primary upstream of this route (default: the top-level primary); an alias of old.')),
    shadow: Type.Optional(upstream('Shadow upstream of this route (default: the top-level shadow); an alias of new.')),
    stage: Type.Unsafe<MigrationStage>({
      type: 'string',
      enum: [...MIGRATION_STAGES],
      default: DEFAULT_STAGE,
      description: 'Migration stage at start when the runtime store holds none: passthrough (old serves, nothing copied), shadow (old serves, a share copied to new), canary (serve.percent of reads served by new, old as its copy), final (new serves, a share copied to old). canary and final need new.',
    }),
    serve: section(
      {
        percent: percent(0, 'Share of reads (0-100, fractional allowed) served by the new side while the route is in canary.'),
      },
      'What the new side serves in canary (the starting value; at run time it is runtime state).',
    ),
    mirror: routeMirror,
    audit: routeAudit,
    recheck: routeRecheck,
    noise: routeNoise,
    writes: Type.Optional(routeWritesSchema),
    gate: Type.Optional(routeGateSchema),
    readOnly: Type.Boolean({ default: false, description: 'The route only reads: writes (POST, PUT, PATCH, DELETE) seen on it are shown in the access audit.' }),
    slowThreshold: Type.Unsafe<string | number>({
      type: ['string', 'number'],
      pattern: SLOW_THRESHOLD_PATTERN,
      default: D.DEFAULT_SLOW_THRESHOLD,
      description: "A request whose primary or shadow takes longer is logged as slow: a duration (10s) or a factor of the route's recent p99 (2x).",
      errorMessage: "must be a duration such as 10s or a factor of the route's recent p99 such as 2x",
    }),
  },
  { additionalProperties: false },
)
