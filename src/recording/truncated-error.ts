/**
 * The error a replay raises when the client reads past the end of a body stored cut short.
 * The fix depends on why it was cut: a re-record helps only where the whole body could have
 * been stored (docs/modes.md#client-stops-reading-early); it never helps for a body that does
 * not end while the client waits.
 */
import { RecordingError } from '../errors.js'
import type { CutBy } from '../format/format.js'
import { DRAIN_LIMITS } from '../wire/record.js'
import { DEADLINE_HOLD_MS } from './response-store.js'

const MIB = 1024 * 1024

function whatHappened(cutBy: CutBy | undefined): string {
  switch (cutBy) {
    case 'client-timeout':
      return `While it was recorded, the client's own deadline (a TimeoutError) cut this response short after its last recorded chunk. Replay held the stream open ${DEADLINE_HOLD_MS / 1000} s past that chunk, and this run's client neither gave up nor stopped reading.`
    case 'drain-limit':
      return `While it was recorded, the client stopped reading and the rest of the body did not end within the drain limits (${DRAIN_LIMITS.bytes / MIB} MiB, ${DRAIN_LIMITS.ms / 1000} s), so it is stored as far as it got; this run read past that point.`
    case 'test-end':
      return 'While it was recorded, the test ended before this response body did (nobody read it to its end), so it is stored as far as it got; this run read past that point.'
    case 'network-error':
      return 'While it was recorded, the connection failed after the client had stopped reading, so the body is stored as far as it got; this run read past that point.'
    default:
      return 'The recorded response ends where the client stopped reading while it was recorded, and this run read further.'
  }
}

function fixFor(cutBy: CutBy | undefined): string {
  switch (cutBy) {
    case 'client-timeout':
      return 'Give the request the deadline it had when it was recorded (AbortSignal.timeout), or stop reading at that point. A re-record stores the same cut for as long as the upstream is this slow.'
    case 'drain-limit':
      return 'Stop reading where the client stopped while it was recorded. A re-record stores the same cut for as long as the body does not end within those limits.'
    case 'network-error':
      return 'Re-record it with UPDATE_RECORDINGS=1 once the upstream answers whole.'
    default:
      return 'Read (or cancel) the body inside the test, then re-record it with UPDATE_RECORDINGS=1 so the whole response is stored.'
  }
}

export function truncatedError(path: string, cutBy: CutBy | undefined): RecordingError {
  return new RecordingError(
    'RECORDING_TRUNCATED',
    `${whatHappened(cutBy)}\n  file: ${path}\n${fixFor(cutBy)}`,
  )
}
