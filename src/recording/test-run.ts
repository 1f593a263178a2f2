/**
 * One test as a recorder runs it: its identity, its recording, and what the integration calls
 * on it (run its code bound to it, settle what it still records, finish it).
 */
import type { TestIdentity } from '../config/options.js'
import type { RecordingError } from '../errors.js'
import { outlivedTestError, settleInFlight } from './in-flight.js'
import type { Recording, RecordingOutcome, TestStatus } from './recording.js'

/** What a test run asks of the recorder that started it (recorder.ts). */
export interface TestRunHost {
  readonly settleTimeoutMs: number
  bind<T>(run: TestRun, fn: () => T): T
  appServerHeadersOf(run: TestRun): Promise<Record<string, string>>
  finishRun(run: TestRun, status: TestStatus): RecordingOutcome
}

export class TestRun {
  /** Set when the test has finished: a request made for it after that is refused (in-flight.ts). */
  finished = false

  constructor(
    readonly identity: TestIdentity,
    readonly recording: Recording,
    private readonly recorder: TestRunHost,
  ) {}

  /** Runs `fn` with every request it makes bound to this test. */
  run<T>(fn: () => T): T {
    return this.recorder.bind(this, fn)
  }

  /**
   * Headers that tie a request to this test for an app server running the server preload
   * (empty without `appServers`): for runners whose requests to the app do not go through the
   * global dispatcher (Playwright's browser and `request` fixture).
   */
  appServerHeaders(): Promise<Record<string, string>> {
    return this.recorder.appServerHeadersOf(this)
  }

  /** The error the test must fail with (a miss, a broken file), if any. */
  error(): RecordingError | undefined {
    return this.recording.firstMiss()
  }

  /** For a failed test: where the error answers it replayed came from, and how to re-record. */
  replayedErrorNote(): RecordingError | undefined {
    return this.recording.replayedErrorNote()
  }

  /**
   * Call when the test's code is done, before `finish`: waits (at most `settleTimeout`) for the
   * requests it is still recording; one left without an answer fails the test (in-flight.ts).
   */
  async settle(): Promise<void> {
    const limit = this.recorder.settleTimeoutMs
    const unanswered = await settleInFlight(this.recording, limit)
    if (unanswered.length > 0)
      this.recording.noteMiss(outlivedTestError(unanswered, this.recording.testId, limit))
    this.recording.releaseHeld(limit)
  }

  finish(result: { status: TestStatus }): RecordingOutcome {
    return this.recorder.finishRun(this, result.status)
  }
}
