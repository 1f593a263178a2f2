/**
 * Which recording a test gets: its file's path (from the test's name with every known secret
 * redacted out of it, or the `resolveRecordingPath` option), one Recording per path for as long
 * as its test file runs (a retry gets the same one), all made with one settings object.
 */
import { dirname } from 'node:path'
import { replaysOnly } from '../config/mode.js'
import type { RecordingMode, TestIdentity } from '../config/options.js'
import { defaultRecordingPath, testIdOf } from '../files/paths.js'
import { sweepTempFiles } from '../files/storage.js'
import { idRulesOf } from '../ids/normalize-ids.js'
import { redactRecording } from '../privacy/redact-recording.js'
import type { RecorderOptions } from './recorder.js'
import { Recording, type RecordingSettings } from './recording.js'
import { placesOf } from './redacted-places.js'
import { type KeyRules, storedRequestAsKeyed, storedRequestKey } from './request-key.js'
import type { RunSecrets } from './run-secrets.js'
import { sameStoredRequest } from './same-request.js'

export class TestRecordings {
  private readonly byPath = new Map<string, Recording>()
  private readonly sweptFolders = new Set<string>()
  private readonly rootDir: string
  /** One for every recording (a test file of 200 tests makes 200 recordings). */
  private readonly settings: RecordingSettings

  constructor(
    private readonly mode: RecordingMode,
    private readonly options: RecorderOptions,
    rules: KeyRules,
    private readonly secrets: RunSecrets,
  ) {
    this.rootDir = options.rootDir ?? process.cwd()
    this.settings = {
      mode,
      matchHeaders: rules.matchHeaders,
      allowRepeats: options.allowRepeats === true,
      keepFailed: options.keepFailedRecordings === true,
      keyOf: (request) => storedRequestKey(request, rules),
      sameRequest: rules.normalizeRequest
        ? undefined
        : (live, stored) => sameStoredRequest(live, stored, rules.matchHeaders),
      placesOf: {
        stored: (request) => placesOf(storedRequestAsKeyed(request, rules), rules.matchHeaders),
        live: (request) => placesOf(request, rules.matchHeaders),
      },
      idRules: idRulesOf(options.normalizeIds),
      sanitize: (file) => redactRecording(file, secrets.current()),
      shown: (text) => secrets.shown(text),
    }
  }

  of(identity: TestIdentity): Recording {
    // A test named after a key (`it('works with sk-…')`) must not put the key in a file name.
    const testName = this.secrets.shown(identity.testName)
    const safe = testName === identity.testName ? identity : { ...identity, testName }
    const path = this.options.resolveRecordingPath?.(safe) ?? defaultRecordingPath(safe)
    let recording = this.byPath.get(path)
    if (!recording) {
      const folder = dirname(path)
      if (!replaysOnly(this.mode) && this.mode !== 'live' && !this.sweptFolders.has(folder)) {
        // Temp files of a writer killed mid-write: gone before this run writes here.
        this.sweptFolders.add(folder)
        sweepTempFiles(folder)
      }
      recording = new Recording(path, testIdOf(safe, this.rootDir), identity, this.settings)
      this.byPath.set(path, recording)
    }
    return recording
  }

  /** The file ended: its recordings are not kept (a later run of it starts afresh). */
  forgetFile(testFile: string): void {
    for (const [path, recording] of this.byPath)
      if (recording.identity.testFile === testFile) this.byPath.delete(path)
  }
}
