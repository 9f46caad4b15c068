import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ServedSide, UpstreamErrorKind } from '@shadowgate/shared'
import type { PrimaryObserver } from '../proxy/primary-observer.js'
import type { CompiledRoute } from '../routes/route-table.js'
import type { CaptureBudget } from './capture-budget.js'
import { BodyCapture } from './body-capture.js'
import type { MirrorPair, ObservedOutcome } from './mirror-pair.js'

const EMPTY = Buffer.alloc(0)

/** Why a copy decided on was never sent. */
export type AbandonReason = 'body_too_large' | 'body_incomplete' | 'not_forwarded'

/** What an exchange needs from the mirror that created it. */
export interface ExchangeHost {
  /** Sends the copy (or counts why not); true when it was sent. */
  sendCopy(exchange: MirrorExchange, body: Buffer): boolean
  /** Counts a copy abandoned before sending it (body over the limit, never complete, or never forwarded). */
  abandon(exchange: MirrorExchange, reason: AbandonReason): void
  /** Hands over a completed pair. */
  deliver(pair: MirrorPair): void
  /** The copy left but its pair will never be delivered: the capture budget ran out. */
  captureDropped(exchange: MirrorExchange): void
}

interface ResponseHead {
  readonly status: number
  readonly headers: readonly string[]
}

const NO_HEADERS: readonly string[] = Object.freeze([])

/**
 * One request chosen for mirroring, from the sampling decision to the delivered pair.
 *
 * The request body is copied as it streams to the primary (bodyChunk/bodyEnd) - never read
 * ahead of it - and the copy leaves once the body is complete and the primary has been sent the
 * whole request (onRequestSent). A request refused or cut before that point (by Node's parser, the
 * gateway, a client that went away, a primary that could not be reached) is copied nowhere: the
 * shadow must never see a request production did not. When the request is also audited
 * (`capturing`), the exchange observes the primary response as it streams to the client (it is a
 * PrimaryObserver) and joins it with the shadow's outcome into a MirrorPair, delivered once.
 */
export class MirrorExchange implements PrimaryObserver {
  readonly id: string
  readonly route: CompiledRoute
  /** Upstream the copy goes to: the new side, or the old side when the new side serves. */
  readonly shadow: string
  /** Copies this request sends (more than one only for an amplified safe request); the first is the audited one. */
  readonly copies: number
  /** Side that serves the client; with `new`, the observed response is the new side's and the copy's the old side's. */
  readonly served: ServedSide
  /** Epoch ms when the gateway received the request. */
  readonly receivedAt = Date.now()
  /** Read now: a socket forgets its peer once closed. */
  readonly clientIp: string
  readonly #startedAt = performance.now()
  readonly #host: ExchangeHost
  // Let go once the copy is out (or the pair delivered): a copy to a slow shadow lives for seconds,
  // and holding the client's request and response that long would keep their whole object graphs
  // alive through several garbage collections for nothing.
  #req: IncomingMessage | null
  #res: ServerResponse | null
  #stage: 'body' | 'sent' | 'dropped'
  #body: BodyCapture | undefined
  #bodyComplete: boolean
  #primarySent = false
  #requestBody: Buffer = EMPTY
  #capturing: boolean
  /** The sink accepted the pair and is still owed its end: a push, a withdrawal or a drop. */
  #pairOwed: boolean
  readonly #captureBytes: number
  readonly #budget: CaptureBudget | undefined
  /** Bytes of this pair's captures taken from the budget. */
  #held = 0
  #head: ResponseHead | undefined
  #primaryBody: BodyCapture | undefined
  #primary: ObservedOutcome | undefined
  #shadowOutcome: ObservedOutcome | undefined

  constructor(
    host: ExchangeHost,
    init: {
      id: string
      route: CompiledRoute
      shadow: string
      served?: ServedSide
      req: IncomingMessage
      res: ServerResponse
      bodyLimit: number | undefined
      captureBytes: number | undefined
      budget?: CaptureBudget | undefined
      copies?: number
    },
  ) {
    this.#host = host
    this.id = init.id
    this.route = init.route
    this.shadow = init.shadow
    this.copies = init.copies ?? 1
    this.served = init.served ?? 'old'
    this.#req = init.req
    this.#res = init.res
    this.clientIp = init.req.socket.remoteAddress ?? ''
    this.#stage = 'body'
    this.#body = init.bodyLimit === undefined ? undefined : new BodyCapture(init.bodyLimit)
    this.#bodyComplete = this.#body === undefined
    this.#capturing = init.captureBytes !== undefined
    this.#pairOwed = this.#capturing
    this.#captureBytes = init.captureBytes ?? 0
    this.#budget = init.budget
    // on, not once: both events fire once per response, and once() would wrap each listener per request.
    init.res.on('close', this.#onResponseClose)
    if (this.#capturing) init.res.on('finish', this.#onResponseFinish)
  }

  /** The client's request; only until the copy is sent (and, for an audited pair, until it is delivered). */
  get req(): IncomingMessage {
    if (this.#req === null) throw new Error('the mirror exchange no longer holds the client request')
    return this.#req
  }

  /** True while the request body is still being copied (a tee must feed bodyChunk/bodyEnd). */
  get awaitingBody(): boolean {
    return this.#stage === 'body' && !this.#bodyComplete
  }

  /** True until the copy left or was dropped: whoever forwards the request must call onRequestSent. */
  get awaitingPrimary(): boolean {
    return this.#stage === 'body'
  }

  /** True when the primary response is wanted for an audit pair. */
  get capturing(): boolean {
    return this.#capturing
  }

  /** The primary response matters only to an audit pair being captured. */
  get observesResponse(): boolean {
    return this.#capturing
  }

  /** True while the sink that accepted this pair has not been told how it ended. */
  get pairOwed(): boolean {
    return this.#pairOwed
  }

  /**
   * Takes `n` captured bytes of this pair from the capture budget. When they do not fit, the pair
   * is given up (its captures released, the copy unaffected) and false returned: capture no more.
   */
  captureTake(n: number): boolean {
    if (!this.#capturing) return false
    const budget = this.#budget
    if (budget === undefined || budget.take(n)) {
      this.#held += n
      return true
    }
    this.#giveUpCapture()
    return false
  }

  #giveUpCapture(): void {
    this.#capturing = false
    this.#primaryBody = undefined
    this.#shadowOutcome = undefined
    this.#requestBody = this.#stage === 'body' ? this.#requestBody : EMPTY
    this.#giveBack()
    // Before the copy left, whether it leaves decides: a withdrawal if not, a drop if it does.
    if (this.#stage === 'sent') this.#reportCaptureDropped()
  }

  #reportCaptureDropped(): void {
    if (!this.#pairOwed) return
    this.#pairOwed = false
    this.#host.captureDropped(this)
    this.#release()
  }

  #giveBack(): void {
    this.#budget?.give(this.#held)
    this.#held = 0
  }

  bodyChunk(chunk: Buffer): void {
    const body = this.#body
    if (this.#stage !== 'body' || body === undefined) return
    body.add(chunk)
    if (body.truncated) {
      // The host is told first, while the exchange still says whether the pair was being captured.
      this.#host.abandon(this, 'body_too_large')
      this.#drop()
    }
  }

  /** The request body is complete: the copy leaves once the primary has been sent the request too. */
  bodyEnd(): void {
    if (this.#stage !== 'body' || this.#bodyComplete) return
    this.#requestBody = this.#body?.toBuffer() ?? EMPTY
    this.#body = undefined
    this.#bodyComplete = true
    if (this.#primarySent) this.#send()
  }

  /**
   * The primary has been sent the whole request (headers and, when there is one, the complete
   * body): the copy may leave once the body is complete here too.
   */
  onRequestSent(): void {
    if (this.#stage !== 'body' || this.#primarySent) return
    this.#primarySent = true
    if (this.#bodyComplete) this.#send()
  }

  #send(): void {
    if (this.#capturing) this.captureTake(this.#requestBody.length)
    // 'sent' before sending: the shadow's outcome may be reported before sendCopy returns.
    this.#stage = 'sent'
    if (this.#host.sendCopy(this, this.#requestBody)) {
      if (this.#capturing) this.#maybeDeliver()
      else if (this.#pairOwed) this.#reportCaptureDropped()
      else this.#release()
    } else this.#drop()
  }

  /** The request body will never complete (client went away, or the primary stopped reading it). */
  bodyIncomplete(): void {
    if (this.#stage !== 'body') return
    this.#host.abandon(this, 'body_incomplete')
    this.#drop()
  }

  onResponseHead(statusCode: number, headers: readonly string[]): void {
    if (!this.#capturing || this.#head !== undefined) return
    this.#head = { status: statusCode, headers }
    this.#primaryBody = new BodyCapture(this.#captureBytes)
  }

  onResponseData(chunk: Buffer): void {
    const body = this.#primaryBody
    if (body === undefined) return
    const kept = Math.min(chunk.length, body.room)
    if (kept > 0 && !this.captureTake(kept)) return
    body.add(chunk)
  }

  onResponseError(kind: UpstreamErrorKind, message: string): void {
    if (!this.#capturing || this.#primary !== undefined) return
    this.#primaryBody = undefined
    this.#primary = { kind: 'error', error: kind, message, latencyMs: performance.now() - this.#startedAt }
    this.#maybeDeliver()
  }

  shadowDone(outcome: ObservedOutcome): void {
    if (!this.#capturing) return
    this.#shadowOutcome = outcome
    this.#maybeDeliver()
  }

  readonly #onResponseFinish = (): void => {
    if (!this.#capturing || this.#primary !== undefined) return
    const head = this.#head ?? { status: this.#res?.statusCode ?? 0, headers: NO_HEADERS }
    const body = this.#primaryBody
    this.#primaryBody = undefined
    this.#primary = {
      kind: 'response',
      status: head.status,
      headers: head.headers,
      body: body ? body.toBuffer() : EMPTY,
      truncated: body ? body.truncated : false,
      latencyMs: performance.now() - this.#startedAt,
    }
    this.#maybeDeliver()
  }

  readonly #onResponseClose = (): void => {
    // A response that ends while the copy still waits means the body never completed, or the
    // request never reached the primary (refused, cut, or the primary unreachable).
    if (this.#stage === 'body') {
      if (!this.#bodyComplete) this.bodyIncomplete()
      else {
        this.#host.abandon(this, 'not_forwarded')
        this.#drop()
      }
    }
    if (this.#capturing && this.#primary === undefined) this.onResponseError('aborted', 'client connection closed before the response completed')
  }

  #drop(): void {
    this.#stage = 'dropped'
    this.#body = undefined
    this.#capturing = false
    // The host withdrew the pair when it counted why the copy was not sent.
    this.#pairOwed = false
    this.#primaryBody = undefined
    this.#giveBack()
    this.#release()
  }

  #release(): void {
    this.#req = null
    this.#res = null
  }

  #maybeDeliver(): void {
    if (!this.#capturing || this.#stage !== 'sent' || this.#primary === undefined || this.#shadowOutcome === undefined) return
    // Delivered once: capturing is switched off before handing the pair over.
    this.#capturing = false
    this.#pairOwed = false
    const req = this.req
    this.#release()
    // The bytes now belong to the sink, whose buffer has its own bound.
    this.#giveBack()
    this.#host.deliver({
      request: {
        id: this.id,
        route: this.route.name,
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: this.#requestBody,
        clientIp: this.clientIp,
        receivedAt: this.receivedAt,
      },
      // The pair is always old vs new, whichever side served, so a diff reads the same in every stage.
      ...(this.served === 'new' ? { primary: this.#shadowOutcome, shadow: this.#primary, served: 'new' } : { primary: this.#primary, shadow: this.#shadowOutcome }),
    })
  }
}
