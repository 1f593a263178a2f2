/** What a worker attaches to each test result for the reporter: the recording's outcome. */
import type { RecordingMode, RecordingOutcome } from '../src/index.js'

export const OUTCOME_ATTACHMENT = 'fetch-recordings-outcome'

export interface OutcomeAttachment {
  mode: RecordingMode
  outcome: RecordingOutcome
}
