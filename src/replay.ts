/**
 * Serves a recorded response to a client the way a socket would: headers, then one chunk at a
 * time (one SSE event per chunk), honouring pause/resume, and stopping on abort with exactly
 * one error callback (fetch waits for it; a client that cancels a body and retries must not hang).
 */
import type { ClientSink, FlowController, ResponseHeaders } from './handler-api.js'

export interface ReplayableResponse {
  status: number
  statusText: string
  headers: ResponseHeaders
  chunks: readonly Buffer[]
  /** Error raised instead of a clean end: the recording stops where the client stopped reading. */
  endError?: () => Error
}

export function replayResponse(sink: ClientSink, response: ReplayableResponse): void {
  let index = 0
  let paused = false
  let aborted = false
  let finished = false
  let scheduled = false

  const finish = (error?: unknown) => {
    if (finished) return
    finished = true
    if (error === undefined) sink.end()
    else sink.error(error)
  }

  // One chunk per turn of the event loop: the client reads one event at a time, as it did
  // from the network (pushing all at once would hand it the whole stream in one read).
  const pump = () => {
    scheduled = false
    if (paused || aborted) return
    let sent = false
    if (index < response.chunks.length) {
      if (!sink.data(response.chunks[index++] as Buffer)) paused = true
      sent = true
    }
    if (paused) return
    if (index < response.chunks.length) schedule()
    // A truncated recording errors one turn after its last chunk: an error discards what the
    // client has not read yet, and a client that reads only as far as was recorded must get it all.
    else if (sent && response.endError) schedule()
    else finish(response.endError?.())
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(pump)
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
      if (!paused || aborted) return
      paused = false
      // Never re-enter the client from inside its own resume call.
      schedule()
    },
    abort(reason) {
      if (aborted || finished) return
      aborted = true
      queueMicrotask(() => finish(reason ?? abortError()))
    },
  }

  sink.start(controller)
  if (aborted) return
  if (!sink.headers(response.status, response.headers, response.statusText)) paused = true
  pump()
}

function abortError(): Error {
  return new DOMException('The operation was aborted.', 'AbortError')
}
