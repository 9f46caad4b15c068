import { Type } from '@sinclair/typebox'
import { WRITE_STAGES, type WriteStage } from '../write-entry.js'
import { DURATION_MESSAGE, DURATION_PATTERN, HEADER_NAME_PATTERN, count, duration, headerList, methodList } from './config-schema-builders.js'
import * as D from './defaults.js'

/** `GET {path}`: the read-back request of a replayed write; `{path}` is the write's path (without its query). */
const verifyRead = Type.String({ pattern: '^GET +(/|\\{path\\})\\S*$', errorMessage: 'must be a read-back request such as "GET {path}" or "GET /items/{path}"' })

const writeVerifyObject = Type.Object(
  {
    status: Type.Optional(Type.Boolean({ description: 'Compare the replayed status with the logged one (default true).' })),
    read: Type.Optional(verifyRead),
    delay: Type.Optional(
      Type.Unsafe<string | number>({
        type: ['string', 'number'],
        pattern: DURATION_PATTERN,
        duration: { min: 0, max: 600_000 },
        description: `Wait after a replayed write before both sides are read back, so lag behind the write settles (default ${D.DEFAULT_WRITE_VERIFY_DELAY_MS}ms).`,
        errorMessage: DURATION_MESSAGE,
      }),
    ),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000, description: `Read-backs in flight per replayer (default ${D.DEFAULT_WRITE_VERIFY_CONCURRENCY}); past it a read-back is counted as not verified, never waited for.` })),
  },
  { additionalProperties: false },
)

/** A route's write log and its replay to the other side. */
export const routeWritesSchema = Type.Object(
  {
    stage: Type.Unsafe<WriteStage>({
      type: 'string',
      enum: [...WRITE_STAGES],
      default: D.DEFAULT_WRITE_STAGE,
      description: 'The write stage at start (old, record, replay, final); at run time it lives in Redis (shadowgate writes stage).',
    }),
    methods: methodList(D.DEFAULT_WRITE_METHODS, 'Methods recorded in the write log.'),
    maxBodyBytes: count(D.DEFAULT_WRITE_MAX_BODY_BYTES, 0, 'Largest request body recorded; larger writes are still served and counted in a gap.', 64 * 1_048_576),
    headers: headerList(D.DEFAULT_WRITE_HEADERS, 'Request headers recorded and replayed; Authorization only when listed.'),
    partitionBy: Type.Optional(
      Type.String({
        pattern: `^(param:.+|header:${HEADER_NAME_PATTERN.slice(1, -1)})$`,
        errorMessage: 'must be param:<name> (a parameter of match) or header:<name> (a valid header name)',
        description: 'What orders the writes: param:<name> (a parameter of match) or header:<name>; writes of one key keep their order.',
      }),
    ),
    // No schema default: it depends on partitionBy (8 with it, 1 without).
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: D.MAX_WRITE_PARTITIONS, description: `Streams of the route's write log (default: ${D.DEFAULT_WRITE_PARTITIONS} with partitionBy, else 1).` })),
    appendTimeout: duration(D.DEFAULT_WRITE_APPEND_TIMEOUT_MS, { min: 1, max: 10_000 }, 'Longest wait for Redis before a write is forwarded unlogged (and counted in a gap).'),
    maxPendingEntries: count(D.DEFAULT_WRITE_MAX_PENDING_ENTRIES, 1, 'Entries a partition may hold unreplayed; past it writes are counted in a gap.'),
    idempotencyHeader: Type.String({ pattern: HEADER_NAME_PATTERN, errorMessage: 'must be a valid header name', default: D.DEFAULT_IDEMPOTENCY_HEADER, description: 'Header carrying the idempotency key of an entry to both sides.' }),
    unknownAfter: duration(D.DEFAULT_WRITE_UNKNOWN_AFTER_MS, { min: 1 }, 'An intent without an outcome after this long is unknown: held back until acknowledged.'),
    maxAttempts: count(D.DEFAULT_WRITE_MAX_ATTEMPTS, 1, 'Replay attempts per entry on a 5xx or timeout before it is parked.', 100),
    replayTimeout: duration(D.DEFAULT_WRITE_REPLAY_TIMEOUT_MS, { min: 1 }, 'Longest wait for the answer to a replayed write.'),
    // No schema default for the object form's keys: defaults inside an anyOf are not applied (validate-config.ts fills them).
    verify: Type.Union([Type.Boolean(), verifyRead, writeVerifyObject], {
      default: true,
      errorMessage: 'must be true, false, a read-back request such as "GET {path}", or a mapping with status, read, delay and concurrency',
      description:
        'Audit of each replayed write: true compares its status with the logged one; "GET {path}" also reads the resource back from both sides after verify.delay and compares the JSON bodies; false: none.',
    }),
    maxLagForCutover: duration(D.DEFAULT_WRITE_MAX_LAG_FOR_CUTOVER_MS, { min: 0 }, 'A cut-over to final is refused unless the replay lag (seconds behind) has stayed below this for lagStableFor.'),
    lagStableFor: duration(D.DEFAULT_WRITE_LAG_STABLE_FOR_MS, { min: 0 }, 'How long the replay lag must have stayed below maxLagForCutover before a cut-over to final.'),
    reverse: Type.Boolean({ default: true, description: "In stage final, log the new side's writes for replay to the old side." }),
  },
  { additionalProperties: false, description: "The route's write log (Redis Streams) and its replay to the other side; needs a shadow." },
)
