/**
 * One test file in a worker: opens its file-level recording, gives every test attempt its own
 * TestRun, fails a test with the library's error when a request missed (even if an SDK caught
 * the error and retried, or the test caught it), and reports outcomes through task meta.
 *
 * Retries: Vitest runs the around/before hooks again for every attempt, so every attempt starts
 * its own TestRun; the core replaces the previous attempt's outcome, and meta is overwritten.
 */
import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest'
import type { Recorder, RecordingError, RecordingOutcome, TestRun, TestStatus } from '../src/index.js'
import { type FileMeta, setMeta } from './settings.js'
import type { WorkerState } from './worker-state.js'

export interface FileSessionInit {
  worker: WorkerState
  testFile: string
  /** The file's task, if the runner can tell before any test runs (Vitest ≥ 4.1). */
  file: RunnerTestFile | undefined
  customLayout: boolean
}

type TestFunction = () => unknown

export interface FunctionSlot {
  getFn(task: RunnerTestCase): TestFunction
  setFn(task: RunnerTestCase, fn: TestFunction): void
}

export class FileSession {
  private readonly recorder: Recorder
  private readonly testFile: string
  /** The attempt in progress of each test. */
  private readonly attempts = new Map<RunnerTestCase, TestRun>()
  /** Test functions as the user wrote them (the beforeEach binding wraps them per attempt). */
  private readonly originals = new WeakMap<RunnerTestCase, TestFunction>()
  private fileRun: TestRun | undefined
  private file: RunnerTestFile | undefined

  constructor(private readonly init: FileSessionInit) {
    this.recorder = init.worker.recorder
    this.testFile = init.testFile
    this.file = init.file
  }

  /** Runs while the setup file is evaluated: before the test file's module scope. */
  start(): void {
    const { worker } = this.init
    // A file that never reached its end (it failed to collect, or every test was filtered out)
    // left its file-level recording open: close it without judging anything.
    if (worker.openFile !== undefined) this.recorder.finishFile(worker.openFile, 'failed')
    // The file-level run: its misses (module scope, beforeAll) must fail the file.
    this.fileRun = this.recorder.startFile(this.testFile)
    worker.openFile = this.testFile
  }

  /** `aroundEach`: everything the attempt runs (hooks, test, onTestFinished) is bound to it. */
  async aroundTest(runTest: () => Promise<void>, task: RunnerTestCase): Promise<void> {
    const run = this.begin(task)
    try {
      await run.run(runTest)
    } finally {
      // Requests the test left running are waited for (bounded) before its recording is written.
      await run.settle()
      this.end(task, run)
    }
  }

  /**
   * `beforeEach` (Vitest < 4.1): no hook wraps the test function, so the function itself is
   * wrapped for this attempt; requests of other hooks reach the test as "the only one running"
   * (marked by an empty bound call). `onTestFinished` is registered first, so it runs last.
   */
  async beforeTest(
    context: { task: RunnerTestCase; onTestFinished(fn: () => void): void },
    loadSlot: () => Promise<FunctionSlot>,
  ): Promise<void> {
    const { task } = context
    const slot = await loadSlot()
    const run = this.begin(task)
    run.run(() => undefined)
    const original = this.originals.get(task) ?? slot.getFn(task)
    this.originals.set(task, original)
    slot.setFn(task, () => run.run(original))
    context.onTestFinished(async () => {
      await run.settle()
      this.end(task, run)
    })
  }

  /**
   * After the last hook of the file: closes the file-level recording and reports it. What
   * beforeAll/afterAll hooks left running (an un-awaited request) is waited for first, as for a
   * test, so it is recorded into the file-level recording instead of lost.
   */
  async finish(): Promise<void> {
    await this.fileRun?.settle()
    for (const [task, run] of this.attempts) {
      this.attempts.delete(task)
      run.finish({ status: 'failed' })
    }
    const { worker, customLayout } = this.init
    const { file } = this
    // File-level entries may belong to any hook of any test: judged only when all of them ran.
    const status: TestStatus = file && ranCompletely(file) ? 'passed' : 'failed'
    const outcomes = this.recorder.finishFile(this.testFile, status)
    worker.openFile = undefined
    const meta: FileMeta = {
      mode: this.recorder.mode,
      customLayout,
      fileLevel: outcomes.filter((outcome: RecordingOutcome) => outcome.testName === ''),
    }
    if (file) setMeta(file, meta)
    const miss = this.fileRun?.error()
    if (miss && !alreadyShown(file?.result?.errors, miss)) throw miss
  }

  private begin(task: RunnerTestCase): TestRun {
    this.file ??= task.file
    const previous = this.attempts.get(task)
    // An attempt whose end never came (an aborted hook): never judged as passed.
    if (previous) previous.finish({ status: 'failed' })
    const run = this.recorder.startTest({ testFile: this.testFile, testName: testNameOf(task) }, task)
    this.attempts.set(task, run)
    return run
  }

  private end(task: RunnerTestCase, run: TestRun): void {
    if (this.attempts.get(task) !== run) return
    this.attempts.delete(task)
    const miss = run.error()
    const outcome = run.finish({ status: miss ? 'failed' : statusOf(task) })
    setMeta(task, outcome)
    if (miss) {
      failFirstWith(task, miss)
      return
    }
    const note = outcome.status === 'failed' ? run.replayedErrorNote() : undefined
    if (note) task.result?.errors?.push(serializedError(note))
  }
}

/** `describe > test [params]`: Vitest's own full name without the file (4.0 lacks it on old tasks). */
function testNameOf(task: RunnerTestCase): string {
  if (task.fullTestName) return task.fullTestName
  const names = [task.name]
  for (let suite = task.suite; suite && suite.type === 'suite' && suite !== task.file; suite = suite.suite) {
    if (suite.name) names.unshift(suite.name)
  }
  return names.join(' > ')
}

function statusOf(task: RunnerTestCase): TestStatus {
  const state = task.result?.state
  if (state === 'pass') return 'passed'
  if (state === 'skip' || state === 'todo') return 'skipped'
  return 'failed'
}

/** Every collected test ran (none skipped, filtered, todo) and no hook of any suite failed. */
function ranCompletely(suite: RunnerTestSuite | RunnerTestFile): boolean {
  if (suite.result?.errors?.length) return false
  return suite.tasks.every((task) =>
    task.type === 'suite' ? ranCompletely(task) : task.mode === 'run' || task.mode === 'queued',
  )
}

interface ShownError {
  message?: string
  cause?: unknown
}

/**
 * The miss becomes the test's first error. Vitest prints errors with the same stack once for
 * all the tests that have them, so tests made in a loop that all failed after a miss (fetch
 * rejected, a TypeError on the answer) would show one diff between them; each miss has a
 * message, hence a stack, of its own. Errors that carry the miss (an SDK's error retelling it,
 * fetch's TypeError whose cause it is) go: they would print it twice. A test that passed anyway (the error was
 * swallowed) is failed by throwing it.
 */
function failFirstWith(task: RunnerTestCase, miss: RecordingError): void {
  const result = task.result
  if (!result?.errors?.length) throw miss
  result.state = 'fail'
  result.errors = [serializedError(miss), ...result.errors.filter((error) => !carries(error, miss))]
}

type TaskError = NonNullable<NonNullable<RunnerTestCase['result']>['errors']>[number]

/** What Vitest's processError makes of an error without a diff: plain data for the reporter. */
function serializedError(error: RecordingError): TaskError {
  return { name: error.name, message: error.message, stack: error.stack, code: error.code } as TaskError
}

/**
 * The error is the miss, tells it again (an SDK's error made from the error answer's body,
 * `BadRequestError: 400 [fetch-recordings] …`), or was caused by it (fetch's TypeError).
 */
function carries(error: ShownError | undefined, miss: RecordingError, depth = 0): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    depth < 8 &&
    ((typeof error.message === 'string' && error.message.includes(miss.message)) ||
      carries(error.cause as ShownError | undefined, miss, depth + 1))
  )
}

/** The file already fails with this error, or with one it caused: shown. */
function alreadyShown(errors: readonly ShownError[] | undefined, miss: RecordingError): boolean {
  return errors?.some((error) => carries(error, miss)) ?? false
}
