export { modeFlagsOf, PRUNE_FLAG, replaysOnly, resolveMode, UPDATE_FLAG } from './config/mode.js'
export type { NormalizeIdsOptions, RecordingMode, RecordingsOptions, TestIdentity } from './config/options.js'
export { isRecordingError, RecordingError, type RecordingErrorCode } from './errors.js'
export { defaultRecordingPath, recordingsFolderOf, testIdOf } from './files/paths.js'
export { sweepTempFiles } from './files/storage.js'
export type { Interaction, RecordingFile, StoredRequest, StoredResponse } from './format/format.js'
export { createRecorder, Recorder, type RecorderOptions, TestRun } from './recording/recorder.js'
export type { RecordingOutcome, TestStatus } from './recording/recording.js'
export { type FixCommands, fixCommandsOf } from './report/commands.js'
export { type EndOfRun, endOfRun } from './report/end-of-run.js'
export { mergeReports } from './report/merge.js'
export {
  buildRunReport,
  type FileReport,
  type MergedShards,
  mergedShardsOf,
  type RunFacts,
  type RunReport,
  type Shard,
  type TestFileRun,
  type TestState,
} from './report/report.js'
export {
  REPORT_SCHEMA,
  type RecordingEntry,
  type ReportFileJson,
  readReportFile,
  reportFileJson,
} from './report/report-file.js'
export { formatSummary, type SummaryStyle } from './report/summary.js'
