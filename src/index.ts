export { resolveMode, UPDATE_FLAG } from './config/mode.js'
export type { NormalizeIdsOptions, RecordingMode, RecordingsOptions, TestIdentity } from './config/options.js'
export { isRecordingError, RecordingError, type RecordingErrorCode } from './errors.js'
export { defaultRecordingPath, recordingsFolderOf, testIdOf } from './files/paths.js'
export { sweepTempFiles } from './files/storage.js'
export type { Interaction, RecordingFile, StoredRequest, StoredResponse } from './format/format.js'
export { createRecorder, Recorder, type RecorderOptions, TestRun } from './recording/recorder.js'
export type { RecordingOutcome, TestStatus } from './recording/recording.js'
export {
  buildRunReport,
  type FileReport,
  type RunFacts,
  type RunReport,
  type TestFileRun,
  type TestState,
} from './report/report.js'
export { formatSummary, type SummaryStyle } from './report/summary.js'
