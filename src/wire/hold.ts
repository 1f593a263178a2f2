/**
 * Replays a request whose client aborted it before any response arrived while it was recorded
 * (stored with `aborted_by`, no response): no response is given; the request stays open until
 * this run's client aborts it too (its abort ends it with the client's own error, as the
 * network's did), or until `release` fails it (its test ended without that abort).
 */
import type { ClientSink, FlowController } from './handler-api.js'

export interface HeldRequest {
  /** Fails the request with `error` (a no-op once it ended). */
  release(error: Error): void
}

export function holdRequest(sink: ClientSink, onEnd: () => void): HeldRequest {
  let ended = false
  const end = (error: unknown) => {
    if (ended) return
    ended = true
    onEnd()
    sink.error(error)
  }
  const controller: FlowController = {
    paused: false,
    get aborted() {
      return ended
    },
    pause() {},
    resume() {},
    abort(reason) {
      // Never re-enter the client from inside its own call.
      queueMicrotask(() => end(reason ?? new DOMException('The operation was aborted.', 'AbortError')))
    },
  }
  sink.start(controller)
  return { release: end }
}
