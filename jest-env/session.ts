/**
 * Everything the Jest environment does for recordings, kept apart from the environment class
 * so any base environment can carry it (environment.ts). One session per test file: Jest loads
 * the environment module once per worker and reuses it across files, so all state lives here,
 * on the instance, never in module scope.
 *
 * Life of a file: setup installs the core Recorder (the dispatcher goes in the host realm, whose
 * fetch the tests call) and opens the file-level recording; run_start wraps every test and hook
 * function (bind.ts); each test attempt gets its own TestRun from test_started to test_done;
 * teardown finishes the file, hands its outcomes to the reporter (run-dir.ts) and uninstalls.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment'
import type { Circus } from '@jest/types'
// The core's own modules, not the package index, which also carries the end-of-run report code.
import { isRecordingError, type RecordingError } from '../src/errors.js'
import { createRecorder, type Recorder, type TestRun } from '../src/recording/recorder.js'
import { bindToScope, type Scope } from './bind.js'
import { CONFIG_FILE_ENV } from './cli-override.js'
import { testNameOf } from './names.js'
import { type EnvironmentOptions, loadOptions, splitEnvironmentOptions } from './options.js'
import { announcedRunDir, writeEnvironmentReport } from './run-dir.js'
import { shareDispatcherWith } from './test-realm.js'

// Where Jest's expect keeps its state, in the test's realm; circus (Jest 30) puts a function
// there that returns the test whose code is running, also under test.concurrent.
const EXPECT_STATE = Symbol.for('$$jest-matchers-object')

export class RecordingsSession {
  /** The config for the base environment: testEnvironmentOptions without our keys. */
  readonly baseConfig: JestEnvironmentConfig
  private readonly options: EnvironmentOptions
  private readonly testFile: string
  private readonly rootDir: string
  private readonly runnerCi: boolean
  private recorder: Recorder | undefined
  private fileRun: TestRun | undefined
  private testGlobal: Record<symbol, unknown> | undefined
  private circusState: Circus.State | undefined
  private restoreTestRealm: (() => void) | undefined
  /** The attempt in progress of each test (a retry starts a new one). */
  private readonly runs = new Map<Circus.TestEntry, TestRun>()
  private readonly reportedMisses = new WeakSet<RecordingError>()
  /** Tests refused a recording (a namesake of an earlier test), with the error they fail with. */
  private readonly refused = new Map<Circus.TestEntry, RecordingError>()
  private customLayout = false
  private started = false
  private filtered = false
  private fileFailed = false
  private closed = false

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    const { own, rest } = splitEnvironmentOptions(config.projectConfig.testEnvironmentOptions)
    // --testEnvironmentOptions dropped the config's configFile: the reporter found it (cli-override.ts).
    const carried = process.env[CONFIG_FILE_ENV]
    this.options = own.configFile === undefined && carried ? { ...own, configFile: carried } : own
    this.baseConfig = { ...config, projectConfig: { ...config.projectConfig, testEnvironmentOptions: rest } }
    this.testFile = context.testPath
    this.rootDir = config.projectConfig.rootDir
    // `--ci` (or CI detected by Jest) makes snapshots `none`: recordings replay only, alike.
    this.runnerCi = config.globalConfig.updateSnapshot === 'none'
  }

  async setup(testGlobal: object): Promise<void> {
    const options = await loadOptions(this.options, this.rootDir)
    this.customLayout = typeof options.resolveRecordingPath === 'function'
    // argv: [] because Jest rejects unknown flags anyway, and `jest -- --update-recordings` would
    // be a test path pattern seen in band but not by workers.
    // The test realm's env: Jest gives each test file a copy, which is where its setup files and
    // hooks (`dotenv/config`, `process.env.X = …`) write.
    const env = (testGlobal as { process?: NodeJS.Process }).process?.env
    const recorder = createRecorder({
      ...options,
      rootDir: this.rootDir,
      runnerCi: this.runnerCi,
      argv: [],
      ...(env ? { env } : {}),
    })
    recorder.install()
    this.recorder = recorder
    this.testGlobal = testGlobal as Record<symbol, unknown>
    this.restoreTestRealm = shareDispatcherWith(testGlobal)
    // beforeAll/afterAll hooks report their misses through the file-level run.
    this.fileRun = recorder.startFile(this.testFile)
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> | undefined {
    if (!this.recorder || this.closed) return undefined
    switch (event.name) {
      case 'run_start':
        // Setup files and module scope have run, beforeAll hooks have not (recorder.ts).
        this.recorder.noteEnvironment()
        this.started = true
        this.circusState = state
        this.filtered = state.hasFocusedTests || Boolean(state.testNamePattern)
        this.bindBlock(state.rootDescribeBlock)
        break
      case 'test_started':
        this.runOf(event.test)
        break
      case 'test_done':
        return this.finishTest(event.test)
      case 'hook_failure':
        if (event.hook.type === 'beforeAll' || event.hook.type === 'afterAll') this.fileFailed = true
        break
      case 'run_finish':
        return this.settleFile(state)
    }
  }

  /**
   * After the last afterAll: what the file's hooks left running (an un-awaited request) is waited
   * for, as for a test, and recorded into the file-level recording; one still unanswered fails
   * the file (the error goes where Jest reports errors no test owns).
   */
  private async settleFile(state: Circus.State): Promise<void> {
    const fileRun = this.fileRun
    if (fileRun) {
      await fileRun.settle()
      const miss = this.takeMiss(fileRun)
      if (miss) state.unhandledErrors.push(miss)
    }
    if (state.unhandledErrors.length > 0) this.fileFailed = true
  }

  /** Idempotent: Jest calls it once, a failing setup may leave a half-made session. */
  async teardown(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const recorder = this.recorder
    if (!recorder) return
    try {
      // Attempts that never reached test_done (the file was aborted) are never judged as passed.
      for (const run of this.runs.values()) run.finish({ status: 'failed' })
      this.runs.clear()
      // A filtered file may skip hooks that normally use file-level entries: never call them stale.
      const fileStatus = this.started && !this.fileFailed && !this.filtered ? 'passed' : 'failed'
      const outcomes = recorder.finishFile(this.testFile, fileStatus)
      const runDir = announcedRunDir()
      if (runDir) {
        writeEnvironmentReport(runDir, {
          testFile: this.testFile,
          mode: recorder.mode,
          customLayout: this.customLayout,
          filtered: this.filtered,
          collected: this.started,
          outcomes,
        })
      }
    } finally {
      this.restoreTestRealm?.()
      await recorder.dispose()
    }
  }

  /** Wraps every test and hook function of the tree once, before anything runs. */
  private bindBlock(block: Circus.DescribeBlock): void {
    for (const hook of block.hooks) {
      const scopeOf =
        hook.type === 'beforeEach' || hook.type === 'afterEach'
          ? () => this.scopeOfCurrentTest()
          : () => this.scopeOfFile()
      hook.fn = bindToScope(hook.fn, scopeOf)
    }
    for (const child of block.children) {
      if (child.type === 'describeBlock') this.bindBlock(child)
      else if (child.fn) child.fn = bindToScope(child.fn, () => this.scopeOfTest(child))
    }
  }

  /**
   * The test's attempt, begun at test_started, or here when the function is called first: Jest 29
   * starts test.concurrent functions before their test_started event. Undefined for a namesake
   * of an earlier test: that one test fails (scopeOfTest), the file runs on.
   */
  private runOf(test: Circus.TestEntry): TestRun | undefined {
    let run = this.runs.get(test)
    if (!run && !this.refused.has(test)) {
      try {
        run = (this.recorder as Recorder).startTest(
          { testFile: this.testFile, testName: testNameOf(test) },
          test,
        )
        this.runs.set(test, run)
      } catch (error) {
        // Thrown out of handleTestEvent, it would fail the whole file with no test reported.
        if (!isRecordingError(error)) throw error
        this.refused.set(test, error)
      }
    }
    return run
  }

  private async finishTest(test: Circus.TestEntry): Promise<void> {
    const run = this.runs.get(test)
    if (!run) return
    this.runs.delete(test)
    // Requests the test left running are waited for (bounded) before its recording is written;
    // one still unanswered (or a late one that arrived meanwhile) fails the test.
    await run.settle()
    const late = this.takeMiss(run)
    if (late) test.errors.push(late)
    try {
      const outcome = run.finish({ status: test.errors.length > 0 ? 'failed' : 'passed' })
      const note = outcome.status === 'failed' ? run.replayedErrorNote() : undefined
      // After a miss the miss is the explanation; else the API's own error alone would not say it came from a file.
      if (note && !run.error()) test.errors.push(note)
    } catch (error) {
      // A recording that cannot be written fails its test (the result is built after this event).
      test.errors.push(error as Error)
    }
  }

  private scopeOfTest(test: Circus.TestEntry): Scope {
    const run = this.runOf(test)
    if (!run) return { run, refusal: this.refused.get(test), takeMiss: () => undefined }
    return { run, takeMiss: () => this.takeMiss(run) }
  }

  private scopeOfCurrentTest(): Scope | undefined {
    const test = this.currentTest()
    return test ? this.scopeOfTest(test) : undefined
  }

  /** beforeAll/afterAll: unbound, so the core sends their requests to the file-level recording. */
  private scopeOfFile(): Scope | undefined {
    const fileRun = this.fileRun
    return fileRun ? { run: undefined, takeMiss: () => this.takeMiss(fileRun) } : undefined
  }

  /**
   * The test a beforeEach/afterEach runs for (Jest runs none for test.concurrent tests, but
   * Jest 29 starts those before everything else, so other attempts may be open meanwhile).
   * Jest 30 tells from its own async context; Jest 29 runs hooks one test at a time, so its
   * `currentlyRunningTest` is right; else the only attempt open.
   */
  private currentTest(): Circus.TestEntry | undefined {
    const expectState = this.testGlobal?.[EXPECT_STATE] as
      | { state?: { currentTestIdentity?: () => unknown } }
      | undefined
    const identity = expectState?.state?.currentTestIdentity?.() as Circus.TestEntry | undefined
    if (identity && this.runs.has(identity)) return identity
    if (!expectState?.state?.currentTestIdentity) {
      const running = this.circusState?.currentlyRunningTest
      if (running && this.runs.has(running)) return running
    }
    if (this.runs.size === 1) return this.runs.keys().next().value
    return undefined
  }

  private takeMiss(run: TestRun): RecordingError | undefined {
    const miss = run.error()
    if (!miss || this.reportedMisses.has(miss)) return undefined
    this.reportedMisses.add(miss)
    return miss
  }
}
