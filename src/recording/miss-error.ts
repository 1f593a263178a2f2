/**
 * The message a test sees when replay has no answer: what was asked, by which test, in which
 * file and mode, how it differs from the closest recorded request, and the command that fixes it.
 * Every text it shows is redacted with the run's secrets: the message reaches CI logs and, as
 * the miss answer's body, the app (docs/secrets.md).
 */

import type { RecordingMode } from '../config/options.js'
import { RecordingError } from '../errors.js'
import type { Interaction, StoredRequest } from '../format/format.js'
import { closestRequest, formatDifferences } from './diff.js'
import { describeRequest } from './request-key.js'

export interface MissContext {
  request: StoredRequest
  testId: string
  file: string
  mode: RecordingMode
  recorded: readonly StoredRequest[]
  /** Redacts a shown text with the run's secrets (the live request is keyed with its own only). */
  shown: (text: string) => string
  /** How many identical requests the recording holds (when it ran out). */
  exhaustedAfter?: number
}

export function missError(context: MissContext): RecordingError {
  const { request, testId, file, mode, shown } = context
  const facts = [
    `  request: ${shown(describeRequest(request))}`,
    `  test:    ${shown(testId)}`,
    `  file:    ${shown(file)}`,
    `  mode:    ${mode}`,
  ]
  const fix =
    'To record it, run the test again with UPDATE_RECORDINGS=1 (re-records this test) or FETCH_RECORDINGS=new (keeps what exists, adds what is missing).'
  if (context.exhaustedAfter !== undefined) {
    return new RecordingError(
      'RECORDING_EXHAUSTED',
      `The test made this request ${context.exhaustedAfter + 1} times, the recording answers it only ${context.exhaustedAfter}.\n` +
        `${facts.join('\n')}\n${fix} If the repeats are expected to get the same answer, set the option allowRepeats: true.`,
    )
  }
  const closest = closestRequest(context.recorded, request)
  const comparison = closest
    ? `Closest recorded request (${shown(describeRequest(closest.request))}), recorded → now:\n${formatDifferences(closest.differences, shown)}`
    : context.recorded.length === 0
      ? 'The recording holds no requests for this test (no file, or an empty one).'
      : 'No recorded request of this test is close to it.'
  return new RecordingError(
    'RECORDING_MISS',
    `No recorded response matches this request.\n${facts.join('\n')}\n${comparison}\n${fix}`,
  )
}

/**
 * Said when a test failed after replaying error answers: a 401 or a 500 recorded while the API
 * was failing is replayed forever, and the API's own error does not say it came from a file.
 */
export function replayedErrorAnswer(context: {
  replayed: readonly Interaction[]
  testId: string
  file: string
}) {
  const [first, ...more] = context.replayed as [Interaction, ...Interaction[]]
  return new RecordingError(
    'REPLAYED_ERROR_ANSWER',
    `This test failed after a recorded ${first.response?.status} answer was replayed${more.length > 0 ? ` (and ${more.length} more error answer(s))` : ''}.\n` +
      `  request: ${describeRequest(first.request)}\n  test:    ${context.testId}\n  file:    ${context.file}\n` +
      'If the API was failing when it was recorded (an expired key, an outage), re-record this test with UPDATE_RECORDINGS=1; if the error answer is what the test is about, fix the test.',
  )
}
