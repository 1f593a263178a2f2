/**
 * Replayed requests held open for their client's abort (wire/hold.ts): recorded without a
 * response because the client aborted them first. A test that ends waits for them as for the
 * requests it records (in-flight.ts, bounded by settleTimeout); those still open then fail with
 * RECORDING_ABORT_EXPECTED, and so does the test: a replay never hangs on them.
 */
import { RecordingError } from '../errors.js'
import type { AbortedBy } from '../format/format.js'
import type { HeldRequest } from '../wire/hold.js'

interface Held {
  /** `METHOD url` as stored (secrets removed). */
  label: string
  abortedBy: AbortedBy
  request?: HeldRequest
}

export class HeldRequests {
  private readonly open = new Set<Held>()

  constructor(private readonly onRelease: () => void) {}

  get size(): number {
    return this.open.size
  }

  /** `start` begins the hold and calls its argument when the request ends (the client aborted it). */
  add(label: string, abortedBy: AbortedBy, start: (onEnd: () => void) => HeldRequest): void {
    const held: Held = { label, abortedBy }
    this.open.add(held)
    held.request = start(() => {
      this.open.delete(held)
      this.onRelease()
    })
  }

  /** Fails every request still held; the error the test fails with, if any was. */
  releaseAll(context: { testId: string; file: string; waitedMs: number }): RecordingError | undefined {
    if (this.open.size === 0) return undefined
    const held = [...this.open]
    const error = abortExpectedError(held, context)
    for (const { request } of held) request?.release(error)
    return error
  }
}

function abortExpectedError(
  held: readonly Held[],
  context: { testId: string; file: string; waitedMs: number },
): RecordingError {
  const one = held.length === 1
  const how = held.every((request) => request.abortedBy === 'client-timeout')
    ? 'by its own deadline (a TimeoutError)'
    : '(an abort signal, a timeout of its own, a destroyed request)'
  return new RecordingError(
    'RECORDING_ABORT_EXPECTED',
    `While ${one ? 'this request was' : 'these requests were'} recorded, the client aborted ${one ? 'it' : 'them'} before any response arrived ${how}, so no response is stored. Replay held ${one ? 'it' : 'them'} open until ${context.waitedMs} ms after the test ended, and this run's client never aborted ${one ? 'it' : 'them'}.\n` +
      `  test: ${context.testId}\n  file: ${context.file}\n${held.map((request) => `  ${request.label}`).join('\n')}\n` +
      `Abort ${one ? 'it' : 'them'} inside the test as the recorded run did (the same AbortController, AbortSignal.timeout, or the client's timeout option). A re-record stores the same abort for as long as the client gives up before the server answers: re-record with UPDATE_RECORDINGS=1 only if the request should now get its answer.`,
  )
}
