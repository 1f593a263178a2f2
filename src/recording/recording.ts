/**
 * The state of one recording file (one test) in one worker: what was loaded, which entries
 * this attempt used, what it recorded, and what is written when the test finishes.
 * Modelled on @vitest/snapshot's SnapshotState: entries start unchecked, use checks them off,
 * what is left at the end of a passed test is stale.
 */

import { replaysOnly } from '../config/mode.js'
import type { RecordingMode, TestIdentity } from '../config/options.js'
import { type RecordingError, shownError } from '../errors.js'
import { fileExists, removeFile, writeTextAtomic } from '../files/storage.js'
import { printRecording } from '../format/file-text.js'
import {
  type AbortedBy,
  FORMAT_V1,
  type Interaction,
  type RecordingFile,
  type StoredRequest,
} from '../format/format.js'
import type { IdMap, IdRules } from '../ids/normalize-ids.js'
import type { HeldRequest } from '../wire/hold.js'
import { Attempt } from './attempt.js'
import { EntryPicker, type MatchableRequest, type PickRules } from './entry-picker.js'
import { FileState, type Loaded } from './file-state.js'
import { HeldRequests } from './held-requests.js'
import { missError, replayedErrorAnswer } from './miss-error.js'
import type { RecordingOutcome, TestStatus } from './outcome.js'
import { notRerecorded, RecordedSlots, type Slot } from './recorded-slots.js'
import { tooDeep, unloadableReason } from './recording-file.js'

export type { RecordingOutcome, TestStatus } from './outcome.js'
export type { Slot } from './recorded-slots.js'

export interface RecordingSettings extends PickRules {
  mode: RecordingMode
  matchHeaders: readonly string[]
  allowRepeats: boolean
  /** In `new` and `update` mode, write what a failed test recorded (VCR's record_on_exception). */
  keepFailed: boolean
  /** Id normalization rules; undefined when normalizeIds is off. */
  idRules?: IdRules | undefined
  /** Makes a content safe to write (redaction); reports the credentials it replaced. */
  sanitize: (file: RecordingFile) => { file: RecordingFile; found: ReadonlySet<string> }
  /** Makes a text safe to show in an error or a report (the run's secrets redacted). */
  shown: (text: string) => string
}

export class Recording {
  private readonly file: FileState
  private readonly picker: EntryPicker
  private readonly slots = new RecordedSlots()
  private readonly heldRequests = new HeldRequests(() => this.progress())
  private attempt: Attempt
  private recordedTotal = 0
  private change: RecordingOutcome['change'] = 'none'
  /** Recorded by failed attempts and not written: replayed by a retry, written if one passes. */
  private held = 0
  /** How the last attempt ended: a test that passed is never retried, so another start is a namesake. */
  private lastStatus: TestStatus | undefined
  /** The runner's object of the test this recording belongs to (see Recorder.startTest). */
  private owner: object | undefined

  constructor(
    readonly path: string,
    readonly testId: string,
    readonly identity: TestIdentity,
    private readonly settings: RecordingSettings,
  ) {
    this.picker = new EntryPicker(settings)
    this.file = new FileState(path, { testId, shown: settings.shown })
    this.attempt = new Attempt(undefined, testId)
  }

  /** Real ↔ normalized ids of this attempt (normalize-ids.ts). */
  get ids(): IdMap | undefined {
    return this.attempt.ids
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
    this.slots.clear()
    this.attempt = new Attempt(this.settings.idRules, this.testId)
  }

  /** The position of the next request in this attempt (normalized ids derive from it). */
  nextPosition(): number {
    return this.attempt.nextPosition()
  }

  /**
   * The n-th identical request gets the n-th recorded answer (entry-picker.ts); a request no key
   * matches may fit an entry where it holds what the write redacted (redacted-places.ts).
   */
  match(live: MatchableRequest): Interaction | RecordingError {
    const loaded = this.file.load()
    const position = this.keyable(() => this.picker.pick(loaded, live))
    if (position !== undefined) return this.replay(loaded.interactions[position] as Interaction)
    const keyed = this.picker.positionsOf(loaded, live.key)
    const fitted = keyed
      ? undefined
      : this.keyable(() => this.picker.pickAtRedactedPlaces(loaded, live.request))
    if (fitted && 'position' in fitted)
      return this.replay(loaded.interactions[fitted.position] as Interaction)
    const positions = keyed ?? fitted?.usedPositions
    if (positions && this.settings.allowRepeats) {
      this.attempt.replayed++
      return loaded.interactions[positions[positions.length - 1] as number] as Interaction
    }
    return missError({
      request: live.request,
      testId: this.testId,
      file: this.path,
      mode: this.settings.mode,
      shown: this.settings.shown,
      recorded: loaded.interactions.map((interaction) => interaction.request),
      ...(positions ? { exhaustedAfter: positions.length } : {}),
    })
  }

  /**
   * The next unused entry, when `same` proves it is the request as sent (same-request.ts,
   * sameAsSent): match without putting the request in stored form. Undefined otherwise.
   */
  matchInOrder(same: (stored: StoredRequest) => boolean): Interaction | undefined {
    const loaded = this.file.load()
    const position = this.keyable(() => this.picker.pickInOrder(loaded, same))
    return position === undefined ? undefined : this.replay(loaded.interactions[position] as Interaction)
  }

  private replay(interaction: Interaction): Interaction {
    this.attempt.noteReplay(interaction)
    return interaction
  }

  /** Keying (or comparing) a stored request 10,000 levels deep overflows the stack. */
  private keyable<T>(work: () => T): T {
    try {
      return work()
    } catch (error) {
      if (!(error instanceof RangeError)) throw error
      this.file.loadError = tooDeep(this.path, error)
      throw this.file.loadError
    }
  }

  /** A connection to `host` that no transport saw was made during this attempt. */
  noteBypass(host: string): void {
    this.attempt.bypassed.push(host)
  }

  noteMiss(error: RecordingError): void {
    this.attempt.noteMiss(error)
  }

  /** The first miss of this attempt: the integration fails the test with it, even if an SDK retried. */
  firstMiss(): RecordingError | undefined {
    const first = this.attempt.misses[0]
    // Shown again now: a value the test sent before the run knew it was a secret (record then miss).
    return first && shownError(first, this.settings.shown)
  }

  /**
   * Said when the test failed after replaying an error answer: a 401 or a 500 recorded while the
   * API was failing is replayed forever, and the API's own error does not say it came from a file.
   */
  replayedErrorNote(): RecordingError | undefined {
    const replayed = this.attempt.replayedErrors
    if (replayed.length === 0) return undefined
    return replayedErrorAnswer({ replayed, testId: this.testId, file: this.path })
  }

  /** Holds a replayed request its client aborted while recorded, until it aborts again (held-requests.ts). */
  holdOpen(label: string, abortedBy: AbortedBy, start: (onEnd: () => void) => HeldRequest): void {
    this.heldRequests.add(label, abortedBy, start)
  }

  /** Replayed requests still held open for their client's abort. */
  heldCount(): number {
    return this.heldRequests.size
  }

  /** The test ended (`waitedMs` later): what is still held fails, and the test with it. */
  releaseHeld(waitedMs: number): void {
    const error = this.heldRequests.releaseAll({ testId: this.testId, file: this.path, waitedMs })
    if (error) this.attempt.noteMiss(error)
  }

  /** Keeps the order in which requests started, whatever order their responses end in. */
  reserve(key: string, redacted: readonly string[], label: string): Slot {
    // A folder in the recording's place fails the request before it costs a live call.
    if (this.settings.mode === 'update') this.file.failIfUnreadable()
    return this.slots.add(key, redacted, label)
  }

  /** Recorded requests of this attempt still on their way (not ended, and not held up by the client). */
  inFlight(): Slot[] {
    return this.slots.inFlight()
  }

  /** Resolves at the next progress of any recorded response (headers, a chunk, its end). */
  nextProgress(): Promise<void> {
    return this.slots.nextProgress()
  }

  progress(): void {
    this.slots.progress()
  }

  fill(slot: Slot, interaction: Interaction | undefined): void {
    if (this.slots.fill(slot, interaction)) this.recordedTotal++
  }

  /**
   * The request reached the network but nothing of it can be stored (the connection failed, the
   * upstream threw): the outcome names it, so a record run never passes in silence over a
   * request that replay will not find.
   */
  lose(slot: Slot, reason: string): void {
    if (slot.settled) return
    this.slots.fill(slot, undefined)
    this.attempt.unrecorded.push({ request: slot.label, reason: this.settings.shown(reason) })
  }

  /** Recorded interactions of this attempt; a response still in flight counts as far as it got. */
  private recordedInteractions(): Interaction[] {
    for (const slot of this.slots.cutShort()) {
      const partial = (slot.partial as () => Interaction | undefined)()
      if (partial) this.fill(slot, partial)
    }
    for (const slot of this.slots.unanswered()) this.lose(slot, 'no response had started when its test ended')
    return this.slots.recorded().map((slot) => slot.interaction as Interaction)
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
   *            removed, a file it no longer needs is deleted). A failed test writes nothing
   *            (`kept`: a re-record during an outage must not replace a good recording with
   *            its 500s), unless keepFailed: then its re-recorded entries replace their old
   *            versions and the rest stay (failures never delete). A file that does not parse
   *            is replaced by what a passed test recorded (`replaced`).
   * A write happens only when the text changed. Nothing is written for a skipped test.
   */
  finish(status: TestStatus): RecordingOutcome {
    // Not settled first (the file-level recording): nothing stays held past its end.
    this.releaseHeld(0)
    const outcome = this.outcomeOf(status)
    // A test file of hundreds of tests must not hold every finished test's file, parsed, until
    // it ends (docs/performance.md, W4 peak RSS): a retry reads the file again. Not what a failed
    // test recorded in `new` mode and did not write: a retry replays that from memory.
    if (this.held === 0) this.file.loaded = undefined
    this.slots.clear()
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
        outcome.staleEntries = (this.file.tryLoad()?.interactions.length ?? 0) - this.picker.usedCount
      if (mode === 'prune' && outcome.staleEntries > 0) outcome.unused = this.unusedEntries()
      return outcome
    }
    if (!this.file.loaded && recorded.length === 0 && !fileExists(this.path)) return outcome
    if (mode === 'update' && status === 'failed' && this.dropsFailed()) return this.keep(outcome, recorded)
    const loaded =
      this.file.tryLoad() ?? (mode === 'update' ? this.file.replaceable(status, recorded) : undefined)
    if (!loaded) return outcome
    let next: Interaction[]
    if (mode === 'new') {
      outcome.staleEntries = status === 'passed' ? this.unusedCount() : 0
      if (status === 'failed' && this.dropsFailed()) {
        this.hold(loaded, recorded)
        if (this.held > 0) outcome.discarded = this.held
        return outcome
      }
      if (recorded.length === 0 && this.held === 0) return outcome
      next = [...loaded.interactions, ...recorded]
    } else if (status === 'passed') {
      next = recorded
    } else {
      next = [...recorded, ...notRerecorded(loaded.interactions, this.slots.recorded(), this.settings.keyOf)]
    }
    const replacing = this.file.loadError
    this.save(next, loaded, outcome)
    if (replacing && outcome.change === 'updated') outcome.replaced = unloadableReason(replacing, this.path)
    return outcome
  }

  /**
   * What a failed test recorded is not written, unless keepFailed. Not for the file-level
   * recording: its status also covers filtered runs, which are no failure.
   */
  private dropsFailed(): boolean {
    return !this.settings.keepFailed && this.identity.testName !== ''
  }

  /**
   * `update` mode, failed test: the file stays as it was (the test failed, so what it re-recorded
   * is no better than what it replaces: often the 500s of an outage). Nothing to write for a test
   * that had no file: as in `new` mode, its interactions are not kept.
   */
  private keep(outcome: RecordingOutcome, recorded: readonly Interaction[]): RecordingOutcome {
    if (recorded.length === 0) return outcome
    if (!fileExists(this.path)) {
      outcome.discarded = recorded.length
      return outcome
    }
    const telling = recorded.find((interaction) => (interaction.response?.status ?? 0) >= 400) ?? recorded[0]
    const { request, response } = telling as Interaction
    // An aborted request has no answer: its abort is what it re-recorded.
    const answer = response ? String(response.status) : `${telling?.aborted_by ?? 'no answer'}`
    outcome.kept = this.settings.shown(`${answer} from ${request.method} ${request.url}`)
    return outcome
  }

  /**
   * `new` mode, failed test: what it recorded is not written (an expired key's 401 would be
   * replayed forever) but kept in memory, so a retry in this run replays instead of paying again.
   */
  private hold(loaded: Loaded, recorded: readonly Interaction[]): void {
    if (recorded.length === 0) return
    const interactions = [...loaded.interactions, ...recorded]
    this.file.loaded = { interactions, text: loaded.text }
    this.held += recorded.length
  }

  private outcomeBase(status: TestStatus): RecordingOutcome {
    return {
      testId: this.testId,
      testFile: this.identity.testFile,
      testName: this.identity.testName,
      ...this.shownNameField(),
      path: this.path,
      status,
      replayed: this.attempt.replayed,
      recorded: this.recordedTotal,
      change: this.change,
      staleEntries: 0,
      redactions: 0,
      ...(this.attempt.misses.length > 0 ? { misses: this.attempt.misses.length } : {}),
      ...(this.attempt.bypassed.length > 0 ? { bypassed: [...this.attempt.bypassed] } : {}),
      ...(this.attempt.unrecorded.length > 0 ? { unrecorded: [...this.attempt.unrecorded] } : {}),
    }
  }

  /** The name with the secrets known at its end redacted, when that differs (reports show it). */
  private shownNameField(): { shownName?: string } {
    const shownName = this.settings.shown(this.identity.testName)
    return shownName === this.identity.testName ? {} : { shownName }
  }

  private unusedEntries(): { positions: number[]; entries: number } {
    const entries = this.file.loaded?.interactions.length ?? 0
    return { positions: this.picker.unusedPositions(entries), entries }
  }

  private unusedCount(): number {
    return this.file.loaded ? this.file.loaded.interactions.length - this.picker.usedCount : 0
  }

  private save(interactions: Interaction[], loaded: Loaded, outcome: RecordingOutcome): void {
    if (interactions.length === 0) {
      if (loaded.text !== undefined) {
        removeFile(this.path)
        this.file.loadError = undefined
        this.file.unloadedText = undefined
        this.change = outcome.change = 'removed'
        this.file.loaded = { interactions: [], text: undefined }
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
    for (const slot of this.slots.recorded()) for (const value of slot.redacted) all.add(value)
    outcome.redactions = all.size
    const text = printRecording(file)
    this.held = 0
    if (text === loaded.text) return
    writeTextAtomic(this.path, text)
    this.file.loadError = undefined
    this.file.unloadedText = undefined
    const created = loaded.text === undefined && this.change !== 'created'
    this.change = outcome.change = created || this.change === 'created' ? 'created' : 'updated'
    // Later attempts (retries) replay what this one wrote.
    this.file.loaded = { interactions: file.interactions, text }
  }
}
