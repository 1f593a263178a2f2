/**
 * Recording is a tee: the request goes to the real dispatcher, every response event is passed
 * to the client as it arrives (streams keep streaming) and kept. The promise resolves when the
 * upstream response is over: whole (`complete`), cut (`cutBy` says why), or undefined when the
 * network failed before the client stopped reading (nothing is stored, the client sees the
 * failure).
 *
 * When the client stops reading after the headers (it cancelled the body: an SDK that breaks out
 * of its loop on `[DONE]`, a test that read what it needed), the client's request ends at once
 * with its own reason, and the upstream is drained to its end, within DRAIN_LIMITS, so what is
 * stored never depends on whether the end of the body arrived before or after the client let go
 * (docs/modes.md#client-stops-reading-early); a test that ends meanwhile waits for the drain
 * (it is in flight, never paused: in-flight.ts). A client that gives up by its own deadline (a
 * `TimeoutError`, from `AbortSignal.timeout`) is not drained: it aborted mid-stream, and what
 * arrived until then is what it saw, stored cut by `client-timeout`. A client that aborts before
 * the headers arrive saw no response: the upstream is aborted, and the request is stored as
 * `Unanswered` (replay holds it open until the client aborts again: wire/hold.ts).
 */
// node:timers, not the global: fake timers (vi.useFakeTimers) replace the global setTimeout.
import { clearTimeout, setTimeout } from 'node:timers'
import type { AbortedBy, CutBy } from '../format/format.js'
import type { ClientSink, FlowController, ResponseHeaders } from './handler-api.js'

export interface CapturedResponse {
  status: number
  statusText: string
  headers: ResponseHeaders
  chunks: Buffer[]
  complete: boolean
  /** Why an incomplete body stopped where it did (set once the response is over). */
  cutBy?: CutBy
}

/** The client aborted the request before its response headers arrived: nothing of a response. */
export interface Unanswered {
  abortedBy: AbortedBy
}

export interface Dispatcher {
  dispatch(options: any, handler: any): boolean
}

/** How much of an upstream body is read on after its client stopped reading. */
export interface DrainLimits {
  bytes: number
  ms: number
}

export const DRAIN_LIMITS: DrainLimits = { bytes: 8 * 1024 * 1024, ms: 5_000 }

export interface CaptureHooks {
  /**
   * The headers arrived: `captured` is the response so far (it keeps growing), `upstream` its
   * flow control (paused while the client is not reading; never while a body is drained).
   */
  onStart?: (captured: CapturedResponse, upstream: FlowController) => void
  /** After every response event (headers, a chunk, the end, an error). */
  onProgress?: () => void
  /** The response failed and nothing of it can be stored: why (recording.ts reports it). */
  onFailure?: (error: unknown) => void
  limits?: DrainLimits
}

/** The client's own deadline (`AbortSignal.timeout`, also through `AbortSignal.any`). */
export function isDeadline(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === 'TimeoutError'
}

/** Statuses that never have a body, whatever their content-length says (RFC 9110 6.4.1, 15.3.6). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304])

function hasNoBody(captured: CapturedResponse, method: unknown): boolean {
  if (captured.chunks.length > 0) return false
  return NULL_BODY_STATUSES.has(captured.status) || String(method).toUpperCase() === 'HEAD'
}

export function forwardAndCapture(
  dispatcher: Dispatcher,
  options: any,
  sink: ClientSink,
  hooks: CaptureHooks = {},
): Promise<CapturedResponse | Unanswered | undefined> {
  const limits = hooks.limits ?? DRAIN_LIMITS
  let resolveDone: (captured: CapturedResponse | Unanswered | undefined) => void = () => {}
  const done = new Promise<CapturedResponse | Unanswered | undefined>((resolve) => {
    resolveDone = resolve
  })
  let captured: CapturedResponse | undefined
  let upstream: FlowController
  /** Set when the client aborted: 'deadline' stops the upstream, 'drain' reads it to its end. */
  let clientStop: 'deadline' | 'drain' | undefined
  let drainedBytes = 0
  let drainTimer: NodeJS.Timeout | undefined
  let cutBy: CutBy | undefined
  let unanswered: Unanswered | undefined

  const cutDrain = () => {
    cutBy ??= 'drain-limit'
    upstream.abort(new Error('fetch-recordings: drain limit reached'))
  }

  const stopReading = (reason: unknown) => {
    if (!captured || isDeadline(reason)) {
      clientStop = 'deadline'
      if (captured) cutBy = 'client-timeout'
      else unanswered = { abortedBy: isDeadline(reason) ? 'client-timeout' : 'client-abort' }
      upstream.abort(reason)
      return
    }
    clientStop = 'drain'
    // The client's request ends now, with its own reason, as the network's would have.
    queueMicrotask(() => sink.error(reason))
    drainTimer = setTimeout(cutDrain, limits.ms).unref()
    upstream.resume()
  }

  const clientController: FlowController = {
    get paused() {
      return upstream.paused
    },
    get aborted() {
      return clientStop !== undefined || upstream.aborted
    },
    pause: () => {
      if (!clientStop) upstream.pause()
    },
    resume: () => {
      if (!clientStop) upstream.resume()
    },
    abort(reason) {
      if (clientStop) return
      stopReading(reason)
    },
  }

  const finish = (result: CapturedResponse | Unanswered | undefined) => {
    if (drainTimer) clearTimeout(drainTimer)
    if (result && 'complete' in result && !result.complete) result.cutBy = cutBy ?? 'network-error'
    resolveDone(result)
    hooks.onProgress?.()
  }

  dispatcher.dispatch(options, {
    onRequestStart(controller: FlowController) {
      upstream = controller
      sink.start(clientController)
    },
    onResponseStart(
      controller: FlowController,
      status: number,
      headers: ResponseHeaders,
      statusText: string,
    ) {
      // An informational answer (a 103 Early Hints) before the response: no part of what is
      // stored or replayed, so the client does not get it either. Passing it on made Node 24's
      // fetch pause the upstream for good (a real Client ignores a pause on a 1xx).
      if (status < 200) return
      captured = { status, statusText: statusText ?? '', headers, chunks: [], complete: false }
      hooks.onStart?.(captured, controller)
      // A 204/205/304 or a HEAD is whole with its headers, whatever its content-length says: a
      // 205 that declares one makes undici wait for a body that never comes, until the server
      // closes the connection; a test that ends meanwhile must not store it cut short.
      if (hasNoBody(captured, options.method)) {
        captured.complete = true
        finish(captured)
      }
      if (!sink.headers(status, headers, statusText ?? '') && !clientStop) controller.pause()
      hooks.onProgress?.()
    },
    onResponseData(controller: FlowController, chunk: Buffer) {
      if (!captured?.complete) captured?.chunks.push(chunk)
      if (clientStop === 'drain') {
        drainedBytes += chunk.length
        if (drainedBytes > limits.bytes) cutDrain()
      } else if (!sink.data(chunk) && !clientStop) {
        controller.pause()
      }
      hooks.onProgress?.()
    },
    onResponseEnd() {
      const known = captured?.complete === true
      if (captured) captured.complete = true
      if (!known) finish(captured)
      if (!clientStop) sink.end()
    },
    onResponseError(_controller: FlowController, error: unknown) {
      if (captured?.complete) {
        if (drainTimer) clearTimeout(drainTimer)
        // Its headers were the whole response: what fails after them (undici counting a 304's
        // content-length against its empty body) is no part of it, for the client too.
        if (!clientStop) sink.end()
        return
      }
      // A failure the client saw stores nothing; after the client let go, what arrived is kept
      // (an abort before the headers: the request, unanswered).
      if (!clientStop) hooks.onFailure?.(error)
      finish(clientStop ? (captured ?? unanswered) : undefined)
      if (clientStop !== 'drain') sink.error(error)
    },
  })
  return done
}
