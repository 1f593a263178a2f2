export { isRecordingError, RecordingError, type RecordingErrorCode } from './errors.js'
export type { Interaction, RecordingFile, StoredRequest, StoredResponse } from './format.js'
export { resolveMode, UPDATE_FLAG } from './mode.js'
export type { NormalizeIdsOptions, RecordingMode, RecordingsOptions, TestIdentity } from './options.js'
export { defaultRecordingPath, recordingsFolderOf, testIdOf } from './paths.js'
export { createRecorder, Recorder, type RecorderOptions, TestRun } from './recorder.js'
export type { RecordingOutcome, TestStatus } from './recording.js'
export {
  buildRunReport,
  type FileReport,
  type RunFacts,
  type RunReport,
  type TestFileRun,
  type TestState,
} from './report.js'
export { sweepTempFiles } from './storage.js'
export { formatSummary, type SummaryStyle } from './summary.js'
