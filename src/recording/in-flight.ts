/**
 * Requests that outlive their test (docs/modes.md, "Requests that outlive their test"). The
 * rule: nothing is dropped silently.
 *  - When a test ends, its recording stays open until every request it is recording has
 *    settled, bounded by `settleTimeout`. A response the client has stopped reading (a body
 *    left unread) is not waited for: it is stored as far as it arrived, marked truncated.
 *    A request still without an answer at the bound fails the test, naming the request.
 *  - A request made for a test that has already finished (a timer it started, a
 *    fire-and-forget promise) fails at once, naming the request and the test it came from, and
 *    the test running meanwhile (or the file) fails with it: recording it into a finished test
 *    would lose it, recording it into another would be a lie.
 */
import { setTimeout as timer } from 'node:timers'
import { RecordingError } from '../errors.js'
import type { Recording } from './recording.js'

export const DEFAULT_SETTLE_TIMEOUT_MS = 5_000

/**
 * Waits until the recording has nothing in flight or `limitMs` passed; returns the requests
 * still without their response headers then (nothing of them could be stored).
 */
export async function settleInFlight(recording: Recording, limitMs: number): Promise<string[]> {
  // Replayed requests held for their client's abort (held-requests.ts) are waited for alike.
  const busy = () => recording.inFlight().length > 0 || recording.heldCount() > 0
  if (!busy()) return []
  let timedOut = false
  let handle: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    handle = timer(() => {
      timedOut = true
      resolve()
    }, limitMs)
  })
  try {
    while (!timedOut && busy()) {
      await Promise.race([recording.nextProgress(), deadline])
    }
  } finally {
    clearTimeout(handle)
  }
  return recording
    .inFlight()
    .filter((slot) => !slot.partial)
    .map((slot) => slot.label)
}

export function outlivedTestError(
  requests: readonly string[],
  testId: string,
  limitMs: number,
): RecordingError {
  const list = requests.map((request) => `  ${request}`).join('\n')
  return new RecordingError(
    'REQUEST_OUTLIVED_TEST',
    `${requests.length === 1 ? 'A request was' : `${requests.length} requests were`} still waiting for a response ${limitMs} ms after their test ended, so nothing of them could be recorded.\n  test: ${testId}\n${list}\nAwait the request inside the test (a fire-and-forget call is never recorded whole), or raise the settleTimeout option for a slow API.`,
  )
}

export function lateRequestError(
  request: string,
  testId: string,
  during: string | undefined,
): RecordingError {
  return new RecordingError(
    'REQUEST_AFTER_TEST_END',
    `A request was made for a test that had already finished (a timer or an un-awaited promise it started), so it was neither recorded nor replayed.\n  request: ${request}\n  from test: ${testId}${during ? `\n  arrived during: ${during}` : ''}\nAwait the work inside the test that starts it (or clear its timers in afterEach).`,
  )
}
