/**
 * Serves a recorded response to a client the way a socket would: headers, then one chunk at a
 * time (one SSE event per chunk), honouring pause/resume, and stopping on abort with exactly
 * one error callback (fetch waits for it; a client that cancels a body and retries must not hang).
 *
 * Pacing: a chunk is handed over only when the client asks for more, so it reads one event
 * per read, as it did from the network (handing all over at once would coalesce them into one
 * read). Node's fetch asks by calling `resume` as soon as it drained a chunk: the next chunk
 * follows in a microtask (measured: 60 events in ~0.8 ms vs ~1.5 ms with one event-loop turn
 * per event). Clients that never call resume unless paused are paced by `setImmediate`: one
 * fallback per response, not per chunk, that hands the next chunk over when a whole turn went
 * by without the client asking (an Immediate per chunk cost ~10% of a 60-event replay).
 */
// node:timers, not the global: fake timers (vi.useFakeTimers) replace the global setImmediate.
import { clearImmediate, clearTimeout, setImmediate, setTimeout } from 'node:timers'
import type { ClientSink, FlowController, ResponseHeaders } from './handler-api.js'

export interface ReplayableResponse {
  status: number
  statusText: string
  headers: ResponseHeaders
  chunks: readonly Buffer[]
  /** Error raised instead of a clean end: the recording stops where the body was cut. */
  endError?: () => Error
  /**
   * The body was cut by the client's own deadline while recorded: after the last chunk, the
   * stream stays open this long for the client's signal to fire again (its abort ends the
   * replay with the client's own error) before `endError` is raised.
   */
  holdMs?: number
}

export function replayResponse(sink: ClientSink, response: ReplayableResponse): void {
  const { chunks } = response
  let index = 0
  let paused = false
  let aborted = false
  let finished = false
  /** A chunk was delivered; the next waits for the client's demand (or the fallback turn). */
  let waiting = false
  let fallback: NodeJS.Immediate | undefined
  let hold: NodeJS.Timeout | undefined
  /** Chunks handed over so far: the fallback acts only when a whole turn saw no progress. */
  let delivered = 0

  const finish = (error?: unknown) => {
    if (finished) return
    finished = true
    if (fallback) clearImmediate(fallback)
    if (hold) clearTimeout(hold)
    fallback = undefined
    if (error === undefined) sink.end()
    else sink.error(error)
  }

  const next = () => {
    if (!waiting) return
    waiting = false
    pump()
  }

  const armFallback = () => {
    if (fallback) return
    const seen = delivered
    fallback = setImmediate(() => {
      fallback = undefined
      if (!waiting || paused || aborted || finished) return
      // The client asked for chunks during this turn: give the last one a turn of its own.
      if (delivered !== seen) armFallback()
      else next()
    })
  }

  const pump = () => {
    if (paused || aborted || finished) return
    if (index < chunks.length) {
      delivered++
      if (!sink.data(chunks[index++] as Buffer)) paused = true
      // A clean end follows the last chunk at once; a truncated one only if the client asks for more.
      if (index === chunks.length && !paused && !response.endError) return finish()
      waiting = true
      if (!paused) armFallback()
      return
    }
    const { endError, holdMs } = response
    if (!endError) return finish()
    if (fallback) clearImmediate(fallback)
    fallback = undefined
    if (holdMs !== undefined) {
      // Unref'd: a replay nobody waits for any more must not keep the process alive.
      hold ??= setTimeout(() => finish(endError()), holdMs).unref()
      return
    }
    // Fetch asks for more as soon as its buffer has room, before the test decides to stop:
    // give the test a full turn to cancel before the truncation error is raised.
    fallback = setImmediate(() => finish(endError()))
  }

  const controller: FlowController = {
    get paused() {
      return paused
    },
    get aborted() {
      return aborted
    },
    pause() {
      paused = true
    },
    resume() {
      if (aborted || finished) return
      paused = false
      // Never re-enter the client from inside its own call.
      if (waiting) queueMicrotask(next)
    },
    abort(reason) {
      if (aborted || finished) return
      aborted = true
      if (fallback) clearImmediate(fallback)
      if (hold) clearTimeout(hold)
      queueMicrotask(() => finish(reason ?? abortError()))
    },
  }

  sink.start(controller)
  if (aborted) return
  if (!sink.headers(response.status, response.headers, response.statusText)) {
    paused = true
    waiting = true
    return
  }
  pump()
}

function abortError(): Error {
  return new DOMException('The operation was aborted.', 'AbortError')
}
