/**
 * The state of one recording file (one test) in one worker: what was loaded, which entries
 * this attempt used, what it recorded, and what is written when the test finishes.
 * Modelled on @vitest/snapshot's SnapshotState: entries start unchecked, use checks them off,
 * what is left at the end of a passed test is stale.
 */

import { replaysOnly } from '../config/mode.js'
import type { RecordingMode, TestIdentity } from '../config/options.js'
import type { RecordingError } from '../errors.js'
import { fileExists, removeFile, writeTextAtomic } from '../files/storage.js'
import { printRecording } from '../format/file-text.js'
import { FORMAT_V1, type Interaction, type RecordingFile, type StoredRequest } from '../format/format.js'
import { IdMap, type IdRules } from '../ids/normalize-ids.js'
import { EntryPicker, type LoadedEntries, type MatchableRequest, type PickRules } from './entry-picker.js'
import { missError, replayedErrorAnswer } from './miss-error.js'
import { readRecordingFile, tooDeep, unloadableReason } from './recording-file.js'

export type TestStatus = 'passed' | 'failed' | 'skipped'

/** What a recording did in a run; sent from workers to the reporter. Plain data. */
export interface RecordingOutcome {
  testId: string
  testFile: string
  /** Empty for the file-level recording. */
  testName: string
  path: string
  status: TestStatus
  replayed: number
  recorded: number
  /** What happened to the file: created, updated, removed, or untouched. */
  change: 'created' | 'updated' | 'removed' | 'none'
  /** Entries a passed test did not use (in update mode they are removed instead). */
  staleEntries: number
  /** prune mode: positions of those entries (of `entries` loaded), for the reporter to delete on a full run. */
  unused?: { positions: number[]; entries: number }
  /** How many secret values were found in the content and redacted before writing. */
  redactions: number
  /** Requests of the last attempt that found no recorded answer (replay and prune). */
  misses?: number
  /** The file did not load (why, in a line) and update mode wrote the new recording over it. */
  replaced?: string
  /** Interactions a failed test recorded in `new` mode, not written (keepFailedRecordings). */
  discarded?: number
  /** Hosts of connections no transport saw (one entry per connection; new/update mode). */
  bypassed?: string[]
}

export interface RecordingSettings extends PickRules {
  mode: RecordingMode
  matchHeaders: readonly string[]
  allowRepeats: boolean
  /** In `new` mode, write what a failed test recorded (VCR's record_on_exception). */
  keepFailed: boolean
  /** Id normalization rules; undefined when normalizeIds is off. */
  idRules?: IdRules | undefined
  /** Makes a content safe to write (redaction); reports the credentials it replaced. */
  sanitize: (file: RecordingFile) => { file: RecordingFile; found: ReadonlySet<string> }
}

type Loaded = LoadedEntries

export interface Slot {
  key: string
  /** `METHOD url` (secrets removed), to name the request when it outlives its test. */
  label: string
  /** True while the client is not reading the body (backpressure): waiting for it is pointless. */
  waitingForClient?: () => boolean
  /** The response as far as it arrived, for a test that ends before its body does. */
  partial?: () => Interaction | undefined
  /** Credential values removed from the request before it was keyed. */
  redacted: readonly string[]
  interaction?: Interaction
  settled: boolean
}

export class Recording {
  private loaded: Loaded | undefined
  private loadError: RecordingError | undefined
  private readonly picker: EntryPicker
  private slots: Slot[] = []
  private replayed = 0
  private bypassed: string[] = []
  private recordedTotal = 0
  private change: RecordingOutcome['change'] = 'none'
  private misses: RecordingError[] = []
  private requests = 0
  /** The text of a file that did not load: update mode replaces it. */
  private unloadedText: string | undefined
  /** Recorded by failed attempts and not written: replayed by a retry, written if one passes. */
  private held = 0
  /** Error answers (status >= 400) this attempt replayed: a failure then says where they came from. */
  private replayedErrors: Interaction[] = []
  /** Resolved on any progress of a recorded response (settle waits on it). */
  private progressWaiters: Array<() => void> = []
  /** How the last attempt ended: a test that passed is never retried, so another start is a namesake. */
  private lastStatus: TestStatus | undefined
  /** The runner's object of the test this recording belongs to (see Recorder.startTest). */
  private owner: object | undefined
  /** Real ↔ normalized ids of this attempt (normalize-ids.ts). */
  ids: IdMap | undefined

  constructor(
    readonly path: string,
    readonly testId: string,
    readonly identity: TestIdentity,
    private readonly settings: RecordingSettings,
  ) {
    this.picker = new EntryPicker(settings)
  }

  /** False when `test` is another test than the one that owns this recording (a namesake). */
  claim(test: object | undefined): boolean {
    if (test === undefined) return this.lastStatus !== 'passed'
    this.owner ??= test
    return this.owner === test
  }

  /** Each attempt (a retry too) starts with every entry unchecked and nothing recorded. */
  beginAttempt(): void {
    this.picker.reset()
    this.slots = []
    this.replayed = 0
    this.bypassed = []
    this.misses = []
    this.requests = 0
    this.replayedErrors = []
    this.ids = this.settings.idRules ? new IdMap(this.settings.idRules, this.testId) : undefined
  }

  /** The position of the next request in this attempt (normalized ids derive from it). */
  nextPosition(): number {
    return this.requests++
  }

  /** The n-th identical request gets the n-th recorded answer (entry-picker.ts). */
  match(live: MatchableRequest): Interaction | RecordingError {
    const loaded = this.load()
    const position = this.keyable(() => this.picker.pick(loaded, live))
    if (position !== undefined) return this.replay(loaded.interactions[position] as Interaction)
    const positions = this.picker.positionsOf(loaded, live.key)
    if (positions && this.settings.allowRepeats) {
      this.replayed++
      return loaded.interactions[positions[positions.length - 1] as number] as Interaction
    }
    return missError({
      request: live.request,
      testId: this.testId,
      file: this.path,
      mode: this.settings.mode,
      recorded: loaded.interactions.map((interaction) => interaction.request),
      ...(positions ? { exhaustedAfter: positions.length } : {}),
    })
  }

  /**
   * The next unused entry, when `same` proves it is the request as sent (same-request.ts,
   * sameAsSent): match without putting the request in stored form. Undefined otherwise.
   */
  matchInOrder(same: (stored: StoredRequest) => boolean): Interaction | undefined {
    const loaded = this.load()
    const position = this.keyable(() => this.picker.pickInOrder(loaded, same))
    return position === undefined ? undefined : this.replay(loaded.interactions[position] as Interaction)
  }

  private replay(interaction: Interaction): Interaction {
    this.replayed++
    if (interaction.response.status >= 400) this.replayedErrors.push(interaction)
    if (this.ids && interaction.id_normalization_mapping) this.ids.learn(interaction.id_normalization_mapping)
    return interaction
  }

  /** Keying (or comparing) a stored request 10,000 levels deep overflows the stack. */
  private keyable<T>(work: () => T): T {
    try {
      return work()
    } catch (error) {
      if (!(error instanceof RangeError)) throw error
      this.loadError = tooDeep(this.path, error)
      throw this.loadError
    }
  }

  /** A connection to `host` that no transport saw was made during this attempt. */
  noteBypass(host: string): void {
    this.bypassed.push(host)
  }

  noteMiss(error: RecordingError): void {
    if (!this.misses.includes(error)) this.misses.push(error)
  }

  /** The first miss of this attempt: the integration fails the test with it, even if an SDK retried. */
  firstMiss(): RecordingError | undefined {
    return this.misses[0]
  }

  /**
   * Said when the test failed after replaying an error answer: a 401 or a 500 recorded while the
   * API was failing is replayed forever, and the API's own error does not say it came from a file.
   */
  replayedErrorNote(): RecordingError | undefined {
    if (this.replayedErrors.length === 0) return undefined
    return replayedErrorAnswer({ replayed: this.replayedErrors, testId: this.testId, file: this.path })
  }

  /** Keeps the order in which requests started, whatever order their responses end in. */
  reserve(key: string, redacted: readonly string[], label: string): Slot {
    // A folder in the recording's place fails the request before it costs a live call.
    if (this.settings.mode === 'update') this.failIfUnreadable()
    const slot: Slot = { key, label, redacted, settled: false }
    this.slots.push(slot)
    return slot
  }

  /** Recorded requests of this attempt still on their way (not ended, and not held up by the client). */
  inFlight(): Slot[] {
    return this.slots.filter((slot) => !slot.settled && !slot.waitingForClient?.())
  }

  /** Resolves at the next progress of any recorded response (headers, a chunk, its end). */
  nextProgress(): Promise<void> {
    return new Promise((resolve) => this.progressWaiters.push(resolve))
  }

  progress(): void {
    for (const resolve of this.progressWaiters.splice(0)) resolve()
  }

  fill(slot: Slot, interaction: Interaction | undefined): void {
    // A slot already stored (cut short when its test ended) keeps what was written.
    if (slot.settled) return
    slot.settled = true
    if (interaction) {
      slot.interaction = interaction
      this.recordedTotal++
    }
    this.progress()
  }

  /** Recorded interactions of this attempt; a response still in flight counts as far as it got. */
  private recordedInteractions(): Interaction[] {
    const recorded: Interaction[] = []
    for (const slot of this.slots) {
      if (!slot.settled && slot.partial) {
        const partial = slot.partial()
        if (partial) this.fill(slot, partial)
      }
      if (slot.interaction) recorded.push(slot.interaction)
    }
    return recorded
  }

  load(): Loaded {
    if (this.loadError) throw this.loadError
    if (this.loaded) return this.loaded
    const read = readRecordingFile(this.path)
    try {
      if ('error' in read) throw read.error
      this.loaded = { interactions: read.interactions, text: read.text }
      return this.loaded
    } catch (error) {
      this.unloadedText = read.text
      this.loadError = error as RecordingError
      throw this.loadError
    }
  }

  private failIfUnreadable(): void {
    try {
      this.load()
    } catch (error) {
      // A file that reads but does not parse is replaced when the test ends; one that cannot be read is not.
      if (this.unloadedText === undefined) throw error
    }
  }

  /**
   * When a test ends, by mode:
   *  - live:   nothing is read or written.
   *  - replay: nothing is written; entries a passed test did not use are stale.
   *  - prune:  as replay; the outcome also names the unused entries, which the reporter deletes
   *            when the whole run says they are stale (report/prune.ts).
   *  - new:    recorded interactions are appended to the existing ones; unused entries are
   *            reported stale. A failed test's new interactions are not written (a 401 of an
   *            expired key would be replayed forever) unless keepFailed; a retry in the same
   *            run replays them, and they are written if it passes.
   *  - update: a passed test's file becomes exactly what it recorded (unused entries are
   *            removed, a file it no longer needs is deleted); a failed test's re-recorded
   *            entries replace their old versions and the rest stay (failures never delete).
   *            A file that does not parse is replaced by what the test recorded (`replaced`).
   * A write happens only when the text changed. Nothing is written for a skipped test.
   */
  finish(status: TestStatus): RecordingOutcome {
    const outcome = this.outcomeOf(status)
    // A test file of hundreds of tests must not hold every finished test's file, parsed, until
    // it ends (docs/performance.md, W4 peak RSS): a retry reads the file again. Not what a failed
    // test recorded in `new` mode and did not write: a retry replays that from memory.
    if (this.held === 0) this.loaded = undefined
    this.slots = []
    return outcome
  }

  private outcomeOf(status: TestStatus): RecordingOutcome {
    this.lastStatus = status
    const { mode } = this.settings
    // First: responses cut short by the end of the test become recorded (truncated) entries.
    const recorded = mode === 'live' ? [] : this.recordedInteractions()
    const outcome = this.outcomeBase(status)
    if (mode === 'live' || status === 'skipped') return outcome
    if (replaysOnly(mode)) {
      // Loaded here too when the test made no request at all: then every entry is stale.
      if (status === 'passed')
        outcome.staleEntries = (this.tryLoad()?.interactions.length ?? 0) - this.picker.usedCount
      if (mode === 'prune' && outcome.staleEntries > 0) outcome.unused = this.unusedEntries()
      return outcome
    }
    if (!this.loaded && recorded.length === 0 && !fileExists(this.path)) return outcome
    const loaded = this.tryLoad() ?? (mode === 'update' ? this.replaceable(status, recorded) : undefined)
    if (!loaded) return outcome
    let next: Interaction[]
    if (mode === 'new') {
      outcome.staleEntries = status === 'passed' ? this.unusedCount() : 0
      if (status === 'failed' && !this.settings.keepFailed && this.identity.testName !== '') {
        this.hold(loaded, recorded)
        if (this.held > 0) outcome.discarded = this.held
        return outcome
      }
      if (recorded.length === 0 && this.held === 0) return outcome
      next = [...loaded.interactions, ...recorded]
    } else if (status === 'passed') {
      next = recorded
    } else {
      next = [...recorded, ...this.notRerecorded(loaded)]
    }
    const replacing = this.loadError
    this.save(next, loaded, outcome)
    if (replacing && outcome.change === 'updated') outcome.replaced = unloadableReason(replacing, this.path)
    return outcome
  }

  /**
   * A file that reads but does not parse (a merge conflict, a hand edit), in update mode: the new
   * recording is written over it, and the outcome says so. Not for a failed test that recorded
   * nothing: then there is nothing to put in its place.
   */
  private replaceable(status: TestStatus, recorded: readonly Interaction[]): Loaded | undefined {
    if (this.unloadedText === undefined || (status !== 'passed' && recorded.length === 0)) return undefined
    return { interactions: [], text: this.unloadedText }
  }

  /**
   * `new` mode, failed test: what it recorded is not written (an expired key's 401 would be
   * replayed forever) but kept in memory, so a retry in this run replays instead of paying again.
   */
  private hold(loaded: Loaded, recorded: readonly Interaction[]): void {
    if (recorded.length === 0) return
    const interactions = [...loaded.interactions, ...recorded]
    this.loaded = { interactions, text: loaded.text }
    this.held += recorded.length
  }

  private outcomeBase(status: TestStatus): RecordingOutcome {
    return {
      testId: this.testId,
      testFile: this.identity.testFile,
      testName: this.identity.testName,
      path: this.path,
      status,
      replayed: this.replayed,
      recorded: this.recordedTotal,
      change: this.change,
      staleEntries: 0,
      redactions: 0,
      ...(this.misses.length > 0 ? { misses: this.misses.length } : {}),
      ...(this.bypassed.length > 0 ? { bypassed: [...this.bypassed] } : {}),
    }
  }

  private tryLoad(): Loaded | undefined {
    try {
      return this.load()
    } catch {
      // A broken file was already reported to the test that read it; never overwrite it blindly.
      return undefined
    }
  }

  private unusedEntries(): { positions: number[]; entries: number } {
    const entries = this.loaded?.interactions.length ?? 0
    return { positions: this.picker.unusedPositions(entries), entries }
  }

  private unusedCount(): number {
    return this.loaded ? this.loaded.interactions.length - this.picker.usedCount : 0
  }

  /** Old entries whose request was not re-recorded this attempt, matched key by key in order. */
  private notRerecorded(loaded: Loaded): Interaction[] {
    const counts = new Map<string, number>()
    for (const slot of this.slots) if (slot.interaction) counts.set(slot.key, (counts.get(slot.key) ?? 0) + 1)
    return loaded.interactions.filter((interaction) => {
      const key = this.settings.keyOf(interaction.request)
      const left = counts.get(key) ?? 0
      if (left === 0) return true
      counts.set(key, left - 1)
      return false
    })
  }

  private save(interactions: Interaction[], loaded: Loaded, outcome: RecordingOutcome): void {
    if (interactions.length === 0) {
      if (loaded.text !== undefined) {
        removeFile(this.path)
        this.loadError = undefined
        this.unloadedText = undefined
        this.change = outcome.change = 'removed'
        this.loaded = { interactions: [], text: undefined }
      }
      return
    }
    const { file, found } = this.settings.sanitize({
      format: FORMAT_V1,
      test_id: this.testId,
      interactions,
    })
    // Distinct values: a key redacted from a request and from its echo is one secret.
    const all = new Set(found)
    for (const slot of this.slots) if (slot.interaction) for (const value of slot.redacted) all.add(value)
    outcome.redactions = all.size
    const text = printRecording(file)
    this.held = 0
    if (text === loaded.text) return
    writeTextAtomic(this.path, text)
    this.loadError = undefined
    this.unloadedText = undefined
    const created = loaded.text === undefined && this.change !== 'created'
    this.change = outcome.change = created || this.change === 'created' ? 'created' : 'updated'
    // Later attempts (retries) replay what this one wrote.
    this.loaded = { interactions: file.interactions, text }
  }
}
