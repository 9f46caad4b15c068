import { Worker, type Job, type JobJsonRaw, type Processor, type WorkerOptions } from 'bullmq'
import { dropErrorsAfterClose } from '../drop-errors-after-close.js'

/** The longest stretch of unparsable job data quoted in the verdict's log line. */
const QUOTE_CHARS = 80

/**
 * What a job whose stored fields are not JSON carries into the processor instead of its data: what
 * was wrong (for data: the parse error, its size and its start). The processor turns it into a
 * skipped/invalid_job verdict.
 */
export interface UnparsableJobData {
  readonly kind: 'unparsable'
  readonly error: string
}

export function isUnparsableJobData(data: unknown): data is UnparsableJobData {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)['kind'] === 'unparsable' && typeof (data as Record<string, unknown>)['error'] === 'string'
}

// The fields BullMQ's Job.fromJSON reads with a bare JSON.parse, with what an absent one means.
const JSON_FIELDS = [
  ['opts', '{}'],
  ['progress', '0'],
] as const

/** Why `text` is not JSON, or undefined when it is (or is absent: BullMQ reads that as a default). */
function parseError(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined
  try {
    JSON.parse(text)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

const parses = (text: string | undefined): boolean => parseError(text) === undefined

function describeBadData(text: string, error: string): string {
  const quote = text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text
  return `job data is not JSON (${error}; ${Buffer.byteLength(text)} bytes: ${JSON.stringify(quote)})`
}

/**
 * Job hash fields as BullMQ stores them, with every field that Job.fromJSON would choke on replaced:
 * data by an UnparsableJobData, the others by what their absence means. Undefined when all parse.
 */
export function repairJobJson(raw: JobJsonRaw): JobJsonRaw | undefined {
  const dataError = parseError(raw.data)
  const badFields = JSON_FIELDS.filter(([k]) => !parses(raw[k]))
  const parentOk = parses(raw.parent)
  if (dataError === undefined && badFields.length === 0 && parentOk) return undefined
  const repaired: JobJsonRaw = { ...raw }
  const problems: string[] = dataError === undefined ? [] : [describeBadData(raw.data, dataError)]
  for (const [k, absent] of badFields) {
    repaired[k] = absent
    problems.push(`job ${k} is not JSON`)
  }
  if (!parentOk) {
    delete repaired.parent
    problems.push('job parent is not JSON')
  }
  const data: UnparsableJobData = { kind: 'unparsable', error: problems.join('; ') }
  // Data that parses but sits next to a broken field is still not trusted: the job is judged invalid.
  repaired.data = JSON.stringify(data)
  return repaired
}

/**
 * BullMQ's Worker, except that a job whose stored fields are not JSON still becomes a Job. BullMQ
 * parses them while fetching, before any processor runs: the parse error escapes its fetch loop,
 * and the job stays in the active list holding a lock nobody renews, is brought back by every
 * stalled-job check and fetched (and choked on) again, without end. Here such a job reaches the
 * processor with UnparsableJobData, which judges it skipped/invalid_job, and it completes.
 * Its connections' errors after close are dropped (dropErrorsAfterClose).
 */
export class AuditWorker<R> extends Worker<unknown, R> {
  constructor(name: string, processor: Processor<unknown, R>, opts: WorkerOptions) {
    super(name, processor, opts)
    dropErrorsAfterClose(this)
  }

  protected override createJob(data: JobJsonRaw, jobId: string): Job<unknown, R> {
    const repaired = repairJobJson(data)
    return super.createJob(repaired ?? data, jobId)
  }
}
