/**
 * The runner-agnostic core. A runner integration creates one Recorder per worker, installs it,
 * and tells it which test is running: `startTest(...).run(fn)` binds every request made inside
 * `fn` (across awaits, timers and streams) to that test through AsyncLocalStorage, so
 * `test.concurrent` tests each get their own recording.
 */
import { replaysOnly, resolveMode } from '../config/mode.js'
import type { RecordingMode, RecordingsOptions, TestIdentity } from '../config/options.js'
import { matchesPassthrough } from '../config/passthrough.js'
import { RecordingError, shownError } from '../errors.js'
import { isCredentialHeader } from '../privacy/credential-names.js'
import { watchBypassingConnections } from '../transports/bypass-watch.js'
import { installGlobalDispatcher } from '../transports/install.js'
import { type BlockedConnection, blockNonLoopbackConnections } from '../transports/network-guard.js'
import { refuseHttp2Sessions } from '../transports/node-http/http2-guard.js'
import { installNodeHttpTransport } from '../transports/node-http/install.js'
import { interceptOwnDispatchers } from '../transports/own-dispatchers.js'
import { TAG_HEADER } from '../transports/relay/header.js'
import { RelayServer } from '../transports/relay/relay-server.js'
import { guardWorkerThreads } from '../transports/workers/worker-guard.js'
import { RecordingDispatcher } from '../wire/dispatcher.js'
import { DEFAULT_SETTLE_TIMEOUT_MS, lateRequestError } from './in-flight.js'
import type { Recording, RecordingOutcome, TestStatus } from './recording.js'
import { type KeyRules, withoutCredentials } from './request-key.js'
import { DEFAULT_VOLATILE_HEADERS } from './response-store.js'
import { RunSecrets } from './run-secrets.js'
import { TestRecordings } from './test-recordings.js'
import { TestRun, type TestRunHost } from './test-run.js'
import { TestScope } from './test-scope.js'
import { type UnrecordedTrafficPolicy, unrecordedTrafficPolicy } from './unrecorded-traffic.js'
import { Upstream } from './upstream.js'

export { TestRun }

export interface RecorderOptions extends RecordingsOptions {
  /** Test ids are stored relative to this folder (default: the working directory). */
  rootDir?: string
  env?: NodeJS.ProcessEnv
  argv?: readonly string[]
  /** The runner is in CI / update-`none` state (Vitest `update: 'none'`, Jest `--ci`). */
  runnerCi?: boolean
}

export class Recorder implements TestRunHost {
  readonly mode: RecordingMode
  /** How long a finished test waits for the requests it is still recording. */
  readonly settleTimeoutMs: number
  private readonly scope = new TestScope<TestRun>()
  private readonly recordings: TestRecordings
  private readonly active = new Set<TestRun>()
  /** By recording path, in the order first finished: a retry's outcome replaces its earlier attempt's. */
  private readonly outcomes = new Map<string, RecordingOutcome>()
  private readonly secrets: RunSecrets
  private readonly rules: KeyRules
  private currentFile: string | undefined
  private fileRun: TestRun | undefined
  private restore: (() => void) | undefined
  private readonly upstream: Upstream
  /** Server mode: where app servers relay the requests they make for this process's tests. */
  private relay: RelayServer<TestRun> | undefined
  /** Connections refused by blockNetwork (reported, and failing the test that made them). */
  readonly blocked: BlockedConnection[] = []

  constructor(private readonly options: RecorderOptions = {}) {
    const env = options.env ?? process.env
    this.mode = resolveMode({
      env,
      argv: options.argv ?? process.argv,
      option: options.mode,
      updateOption: options.updateRecordings,
      pruneOption: options.pruneRecordings,
      runnerCi: options.runnerCi,
    })
    const matchHeaders = (options.matchHeaders ?? []).map((name) => name.toLowerCase())
    const secretHeader = matchHeaders.find(isCredentialHeader)
    if (secretHeader) {
      throw new RecordingError(
        'INVALID_OPTION',
        `matchHeaders: "${secretHeader}" carries a secret and would be written to disk. Remove it from matchHeaders; use normalizeRequest to match on something derived from it.`,
      )
    }
    this.rules = {
      matchHeaders,
      secretParams: new Set((options.secretParams ?? []).map((name) => name.toLowerCase())),
      normalizeRequest: options.normalizeRequest,
    }
    this.secrets = new RunSecrets(env)
    this.recordings = new TestRecordings(this.mode, options, this.rules, this.secrets)
    this.upstream = new Upstream(options.upstream)
    this.settleTimeoutMs = options.settleTimeout ?? DEFAULT_SETTLE_TIMEOUT_MS
  }

  install(): this {
    const volatile = new Set([...DEFAULT_VOLATILE_HEADERS, ...(this.options.volatileResponseHeaders ?? [])])
    const relay = this.options.appServers?.length
      ? new RelayServer<TestRun>({
          // A relayed request is handled as if the test had made it, in its async context.
          dispatch: (run, options, handler) =>
            this.scope.run(run, () => dispatcher.dispatch(options, handler)),
          shown: (text) => this.secrets.shown(text),
          shownUrl: (url) => this.secrets.shown(this.urlWithoutCredentials(url)),
        })
      : undefined
    this.relay = relay
    const unrecorded = this.unrecordedTraffic()
    const dispatcher: RecordingDispatcher = new RecordingDispatcher({
      mode: this.mode,
      rules: this.rules,
      volatileHeaders: new Set([...volatile].map((name) => name.toLowerCase())),
      recordingForRequest: (method, url, carried) => this.runForRequest(method, url, carried)?.recording,
      shown: (text) => this.secrets.shown(text),
      isPassthrough: (method, url) => matchesPassthrough(this.options.passthrough, method, url),
      appServerTag: relay && ((url) => this.appServerTag(relay, url)),
      secretsFor: (requestSecrets) => this.secrets.including(requestSecrets),
      upstream: () => this.upstream.forwarding(),
      unrecorded,
      onError: (error) => {
        const run = this.currentRun()
        run?.recording.noteMiss(error)
        // No test can fail with it (a request after the last file, or ambiguous): the client's
        // network error alone is swallowed by a `.catch(() => {})`. A late one already said so.
        if (!run && error.code !== 'REQUEST_AFTER_TEST_END')
          process.emitWarning(error.message, { code: error.code })
        return run !== undefined
      },
    })
    const removeDispatcher = installGlobalDispatcher(dispatcher)
    const removeOwnDispatchers = interceptOwnDispatchers((upstream, options, handler) =>
      dispatcher.dispatchVia(upstream, options, handler),
    )
    // Live mode leaves node:http alone: nothing is read or written, the client's own sockets serve.
    const removeNodeHttp = this.mode === 'live' ? undefined : installNodeHttpTransport(dispatcher, unrecorded)
    const removeGuard =
      this.options.blockNetwork && replaysOnly(this.mode)
        ? blockNonLoopbackConnections((connection, error) => {
            this.blocked.push(connection)
            this.currentRun()?.recording.noteMiss(error)
          })
        : undefined
    const removeWatches = this.installWatches()
    this.restore = () => {
      removeWatches()
      removeGuard?.()
      removeNodeHttp?.()
      removeOwnDispatchers()
      removeDispatcher()
    }
    return this
  }

  /** WebSockets and node:http requests on their own connection: never recorded (unrecorded-traffic.ts). */
  private unrecordedTraffic(): UnrecordedTrafficPolicy {
    return unrecordedTrafficPolicy({
      mode: this.mode,
      isPassthrough: (method, url) => matchesPassthrough(this.options.passthrough, method, url),
      currentRecording: () => this.currentRun()?.recording,
      shownUrl: (url) => this.urlWithoutCredentials(url.href),
      shown: (text) => this.secrets.shown(text),
    })
  }

  /**
   * Traffic no transport sees: when the run only replays, worker threads start with a guard
   * (they are not recorded) and, in replay, an http2 session is refused with the fix; while
   * recording, connections that bypassed the recorder are noted for the summary.
   */
  private installWatches(): () => void {
    if (replaysOnly(this.mode)) {
      const removeHttp2Guard =
        this.mode === 'replay'
          ? refuseHttp2Sessions((error) => this.currentRun()?.recording.noteMiss(error))
          : undefined
      const removeWorkerGuard = guardWorkerThreads(this.options.passthrough)
      return () => {
        removeWorkerGuard()
        removeHttp2Guard?.()
      }
    }
    if (this.mode === 'new' || this.mode === 'update') {
      return watchBypassingConnections(({ host }) => this.currentRun()?.recording.noteBypass(host))
    }
    return () => {}
  }

  async dispose(): Promise<void> {
    this.restore?.()
    this.restore = undefined
    // Every enabled AsyncLocalStorage is visited at the creation of every promise and async
    // resource of the process (Node 20 and 22): Jest makes one recorder per test file in a
    // long-lived worker, so without this each file would slow every later one.
    this.scope.disable()
    await this.relay?.close()
    this.relay = undefined
    await this.upstream.close()
  }

  /**
   * `test`: the runner's own object for this test (Vitest's task, circus' entry), the same for
   * every retry and `repeats` repetition of it: another object under a name already started is a
   * namesake. Without it, a start after a passed attempt is taken for one (a retry only follows a
   * failure).
   */
  startTest(identity: TestIdentity, test?: object): TestRun {
    const recording = this.recordings.of(identity)
    if (identity.testName !== '' && !recording.claim(test)) {
      throw duplicateNameError(identity, recording)
    }
    recording.beginAttempt()
    return new TestRun(identity, recording, this)
  }

  /** Requests made outside any test (module scope, beforeAll) go to this file's file-level recording. */
  startFile(testFile: string): TestRun {
    this.currentFile = testFile
    // Read again: a setup file's dotenv, or the previous file's `process.env.X = …`, counts now.
    this.secrets.rereadEnvironment()
    this.fileRun = this.startTest({ testFile, testName: '' })
    return this.fileRun
  }

  /**
   * Reads the environment's credentials again. A runner calls it when the file's setup files and
   * module scope have run and its `beforeAll` hooks have not: a key a setup file set and a
   * `beforeAll` deletes is otherwise never seen (startFile runs before the setup files).
   */
  noteEnvironment(): void {
    this.secrets.rereadEnvironment()
  }

  /** Ends the file: finishes its file-level recording; returns (and forgets) the file's outcomes. */
  finishFile(testFile: string, status: TestStatus = 'passed'): RecordingOutcome[] {
    if (this.fileRun && this.currentFile === testFile) this.finishRun(this.fileRun, status)
    this.fileRun = undefined
    this.currentFile = undefined
    const mine: RecordingOutcome[] = []
    for (const [path, outcome] of this.outcomes) {
      if (outcome.testFile !== testFile) continue
      mine.push(outcome)
      this.outcomes.delete(path)
    }
    this.recordings.forgetFile(testFile)
    return mine
  }

  bind<T>(run: TestRun, fn: () => T): T {
    this.active.add(run)
    return this.scope.run(run, fn)
  }

  finishRun(run: TestRun, status: TestStatus): RecordingOutcome {
    run.finished = true
    this.active.delete(run)
    this.relay?.forget(run)
    const outcome = run.recording.finish(status)
    this.outcomes.set(outcome.path, outcome)
    return outcome
  }

  /**
   * Which test a request belongs to: the async context it was made in; without one (a callback
   * that lost it), the only test running; with none running, the file-level recording.
   */
  /** The test in whose context we are, without failing when it is ambiguous. */
  private currentRun(): TestRun | undefined {
    const bound = this.scope.current()
    // A finished test's late request was already reported where it can still be seen.
    if (bound) return bound.finished ? undefined : bound
    if (this.active.size > 1) return undefined
    return this.active.size === 1 ? this.active.values().next().value : this.fileRun
  }

  private runForRequest(
    method: string,
    url: string,
    carried: () => readonly string[] = () => [],
  ): TestRun | undefined {
    const bound = this.scope.current()
    if (bound?.finished) {
      // Its own credentials join the run's: the error shows its URL.
      this.secrets.including(carried())
      throw this.lateRequest(bound, `${method} ${this.urlWithoutCredentials(url)}`)
    }
    if (bound) return bound
    if (this.active.size === 1) return this.active.values().next().value
    if (this.active.size > 1) {
      throw new RecordingError(
        'AMBIGUOUS_TEST',
        `A request was made outside any test's async context while ${this.active.size} tests run concurrently (${[...this.active].map((run) => `"${run.identity.testName}"`).join(', ')}), so it cannot be attributed. Make the request from inside the test (await it there), or run these tests without test.concurrent.`,
      )
    }
    if (this.fileRun) return this.fileRun
    if (this.mode === 'live') return undefined
    throw new RecordingError(
      'AMBIGUOUS_TEST',
      'A request was made outside any test, and no test file is running. Make it from a test, a hook or module scope of a test file; or use mode "live" here.',
    )
  }

  private urlWithoutCredentials(url: string): string {
    return withoutCredentials(new URL(url), this.rules.secretParams).href
  }

  /** The URL is one of the `appServers` (server mode). */
  isAppServer(url: string): boolean {
    return matchesPassthrough(this.options.appServers, 'GET', url)
  }

  appServerHeadersOf(run: TestRun): Promise<Record<string, string>> {
    const relay = this.relay
    if (!relay) return Promise.resolve({})
    return relay.tagFor(run).then((value) => ({ [TAG_HEADER]: value }))
  }

  /** The header a request to an app server carries: the test it is made for. */
  private appServerTag(relay: RelayServer<TestRun>, url: string): Promise<[string, string]> | undefined {
    if (!this.isAppServer(url)) return undefined
    const run = this.runForRequest('GET', url)
    return run && relay.tagFor(run).then((value) => [TAG_HEADER, value])
  }

  /**
   * A request for a finished test fails; the test running now (or else the file) fails with it,
   * since the finished one has been reported already. With neither, a process warning says it.
   */
  private lateRequest(from: TestRun, request: string): RecordingError {
    const now = this.active.size === 1 ? (this.active.values().next().value as TestRun) : undefined
    const error = shownError(
      lateRequestError(request, from.recording.testId, now?.recording.testId),
      (text) => this.secrets.shown(text),
    )
    const fileRun = this.fileRun?.identity.testFile === from.identity.testFile ? this.fileRun : undefined
    const witness = now ?? fileRun
    if (witness) witness.recording.noteMiss(error)
    else process.emitWarning(error.message, { code: error.code })
    return error
  }
}

export function createRecorder(options?: RecorderOptions): Recorder {
  return new Recorder(options)
}

/**
 * Two tests of one file under one recording would share (and in update mode overwrite) it. The
 * message names the test as its file does, secrets redacted: names that differ only in a
 * credential (redacted from file names) are one name there.
 */
function duplicateNameError(identity: TestIdentity, recording: Recording): RecordingError {
  // The id is `<file> > <describe> > <test>`: the name is everything after the file.
  const shown = recording.testId.slice(recording.testId.indexOf(' > ') + 3)
  const why =
    recording.identity.testName === identity.testName
      ? `are named "${shown}"`
      : `have names that differ only in a credential, which is redacted from file names ("${shown}")`
  return new RecordingError(
    'DUPLICATE_TEST_NAME',
    `Two tests in ${identity.testFile} ${why}; they would share one recording (${recording.path}). Give them different names (in test.each, a name that includes every parameter: %s, $name; a credential in a name is never a way to tell tests apart).`,
  )
}
