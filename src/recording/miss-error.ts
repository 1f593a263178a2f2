/**
 * The message a test sees when replay has no answer: what was asked, by which test, in which
 * file and mode, how it differs from the closest recorded request, and the command that fixes it.
 */

import type { RecordingMode } from '../config/options.js'
import { RecordingError } from '../errors.js'
import type { StoredRequest } from '../format/format.js'
import { closestRequest, formatDifferences } from './diff.js'
import { describeRequest } from './request-key.js'

export interface MissContext {
  request: StoredRequest
  testId: string
  file: string
  mode: RecordingMode
  recorded: readonly StoredRequest[]
  /** How many identical requests the recording holds (when it ran out). */
  exhaustedAfter?: number
}

export function missError(context: MissContext): RecordingError {
  const { request, testId, file, mode } = context
  const facts = [
    `  request: ${describeRequest(request)}`,
    `  test:    ${testId}`,
    `  file:    ${file}`,
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
    ? `Closest recorded request (${describeRequest(closest.request)}), recorded → now:\n${formatDifferences(closest.differences)}`
    : context.recorded.length === 0
      ? 'The recording holds no requests for this test (no file, or an empty one).'
      : 'No recorded request of this test is close to it.'
  return new RecordingError(
    'RECORDING_MISS',
    `No recorded response matches this request.\n${facts.join('\n')}\n${comparison}\n${fix}`,
  )
}
