/**
 * The runner-agnostic core. A runner integration creates one Recorder per worker, installs it,
 * and tells it which test is running: `startTest(...).run(fn)` binds every request made inside
 * `fn` (across awaits, timers and streams) to that test through AsyncLocalStorage, so
 * `test.concurrent` tests each get their own recording.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { dirname } from 'node:path'
import { replaysOnly, resolveMode } from '../config/mode.js'
import type { RecordingMode, RecordingsOptions, TestIdentity } from '../config/options.js'
import { matchesPassthrough } from '../config/passthrough.js'
import { RecordingError } from '../errors.js'
import { defaultRecordingPath, testIdOf } from '../files/paths.js'
import { sweepTempFiles } from '../files/storage.js'
import { type IdRules, idRulesOf } from '../ids/normalize-ids.js'
import { isCredentialHeader } from '../privacy/credential-names.js'
import { isSearchable } from '../privacy/credential-values.js'
import { credentialsOfEnvironment } from '../privacy/environment.js'
import { redactRecording } from '../privacy/redact-recording.js'
import { redactText } from '../privacy/redact-text.js'
import { secretMatcherOf } from '../privacy/secret-encodings.js'
import { watchBypassingConnections } from '../transports/bypass-watch.js'
import { installGlobalDispatcher } from '../transports/install.js'
import { type BlockedConnection, blockNonLoopbackConnections } from '../transports/network-guard.js'
import { refuseHttp2Sessions } from '../transports/node-http/http2-guard.js'
import { installNodeHttpTransport } from '../transports/node-http/install.js'
import { routingUpstream } from '../transports/node-http/upstream.js'
import { interceptOwnDispatchers, uninterceptedDispatcher } from '../transports/own-dispatchers.js'
import { TAG_HEADER } from '../transports/relay/header.js'
import { RelayServer } from '../transports/relay/relay-server.js'
import { RecordingDispatcher } from '../wire/dispatcher.js'
import type { Dispatcher } from '../wire/record.js'
import {
  DEFAULT_SETTLE_TIMEOUT_MS,
  lateRequestError,
  outlivedTestError,
  settleInFlight,
} from './in-flight.js'
import { Recording, type RecordingOutcome, type RecordingSettings, type TestStatus } from './recording.js'
import { type KeyRules, storedRequestKey, withoutCredentials } from './request-key.js'
import { DEFAULT_VOLATILE_HEADERS } from './response-store.js'
import { sameStoredRequest } from './same-request.js'

export interface RecorderOptions extends RecordingsOptions {
  /** Test ids are stored relative to this folder (default: the working directory). */
  rootDir?: string
  env?: NodeJS.ProcessEnv
  argv?: readonly string[]
  /** The runner is in CI / update-`none` state (Vitest `update: 'none'`, Jest `--ci`). */
  runnerCi?: boolean
}

export class TestRun {
  /** Set when the test has finished: a request made for it after that is refused (in-flight.ts). */
  finished = false

  constructor(
    readonly identity: TestIdentity,
    readonly recording: Recording,
    private readonly recorder: Recorder,
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
  }

  finish(result: { status: TestStatus }): RecordingOutcome {
    return this.recorder.finishRun(this, result.status)
  }
}

export class Recorder {
  readonly mode: RecordingMode
  /** How long a finished test waits for the requests it is still recording. */
  readonly settleTimeoutMs: number
  private readonly als = new AsyncLocalStorage<TestRun>()
  private readonly recordings = new Map<string, Recording>()
  private readonly active = new Set<TestRun>()
  /** By recording path, in the order first finished: a retry's outcome replaces its earlier attempt's. */
  private readonly outcomes = new Map<string, RecordingOutcome>()
  private readonly seenSecrets = new Set<string>()
  private secretList: readonly string[] | undefined
  private readonly sweptFolders = new Set<string>()
  private environmentSecrets: readonly string[]
  private readonly env: NodeJS.ProcessEnv
  private readonly rules: KeyRules
  private readonly rootDir: string
  private readonly idRules: IdRules | undefined
  /** One for every recording of this recorder (a test file of 200 tests makes 200 recordings). */
  private readonly recordingSettings: RecordingSettings
  private currentFile: string | undefined
  private fileRun: TestRun | undefined
  private restore: (() => void) | undefined
  private upstream: Promise<Dispatcher> | undefined
  /** Server mode: where app servers relay the requests they make for this process's tests. */
  private relay: RelayServer<TestRun> | undefined
  private forwarder: Promise<Dispatcher> | undefined
  /** Connections refused by blockNetwork (reported, and failing the test that made them). */
  readonly blocked: BlockedConnection[] = []

  constructor(private readonly options: RecorderOptions = {}) {
    const env = options.env ?? process.env
    this.env = env
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
    this.environmentSecrets = credentialsOfEnvironment(env)
    this.rootDir = options.rootDir ?? process.cwd()
    this.idRules = idRulesOf(options.normalizeIds)
    this.recordingSettings = this.settingsOfRecordings()
    if (options.upstream) this.upstream = Promise.resolve(options.upstream)
    this.settleTimeoutMs = options.settleTimeout ?? DEFAULT_SETTLE_TIMEOUT_MS
  }

  install(): this {
    const volatile = new Set([...DEFAULT_VOLATILE_HEADERS, ...(this.options.volatileResponseHeaders ?? [])])
    const relay = this.options.appServers?.length
      ? new RelayServer<TestRun>({
          // A relayed request is handled as if the test had made it, in its async context.
          dispatch: (run, options, handler) => this.als.run(run, () => dispatcher.dispatch(options, handler)),
        })
      : undefined
    this.relay = relay
    const dispatcher: RecordingDispatcher = new RecordingDispatcher({
      mode: this.mode,
      rules: this.rules,
      volatileHeaders: new Set([...volatile].map((name) => name.toLowerCase())),
      recordingForRequest: (method, url) => this.runForRequest(method, url)?.recording,
      isPassthrough: (method, url) => matchesPassthrough(this.options.passthrough, method, url),
      appServerTag: relay && ((url) => this.appServerTag(relay, url)),
      secretsFor: (requestSecrets) => this.secretsFor(requestSecrets),
      allSecrets: () => this.currentSecrets(),
      upstream: () => this.forwardingDispatcher(),
      onError: (error) => {
        const run = this.currentRun()
        run?.recording.noteMiss(error)
        return run !== undefined
      },
    })
    const removeDispatcher = installGlobalDispatcher(dispatcher)
    const removeOwnDispatchers = interceptOwnDispatchers((upstream, options, handler) =>
      dispatcher.dispatchVia(upstream, options, handler),
    )
    // Live mode leaves node:http alone: nothing is read or written, the client's own sockets serve.
    const removeNodeHttp = this.mode === 'live' ? undefined : installNodeHttpTransport(dispatcher)
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

  /**
   * Traffic no transport sees: in replay an http2 session is refused with the fix; while
   * recording, connections that bypassed the recorder are noted for the summary.
   */
  private installWatches(): () => void {
    if (this.mode === 'replay') {
      return refuseHttp2Sessions((error) => this.currentRun()?.recording.noteMiss(error))
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
    this.als.disable()
    await this.relay?.close()
    this.relay = undefined
    const upstream = this.upstream
    this.upstream = undefined
    this.forwarder = undefined
    // destroy, not close: close waits for response bodies nobody will ever read.
    if (upstream && !this.options.upstream) await ((await upstream) as any).destroy?.()
  }

  /**
   * `test`: the runner's own object for this test (Vitest's task, circus' entry), the same for
   * every retry and `repeats` repetition of it: another object under a name already started is a
   * namesake. Without it, a start after a passed attempt is taken for one (a retry only follows a
   * failure).
   */
  startTest(identity: TestIdentity, test?: object): TestRun {
    const recording = this.recordingOf(identity)
    if (identity.testName !== '' && !recording.claim(test)) {
      // Two tests of one file with the same full name would share (and in update mode
      // overwrite) one recording.
      throw new RecordingError(
        'DUPLICATE_TEST_NAME',
        `Two tests in ${identity.testFile} are named "${identity.testName}"; they would share one recording (${recording.path}). Give them different names (in test.each, a name that includes every parameter: %s, $name).`,
      )
    }
    recording.beginAttempt()
    return new TestRun(identity, recording, this)
  }

  /** Requests made outside any test (module scope, beforeAll) go to this file's file-level recording. */
  startFile(testFile: string): TestRun {
    this.currentFile = testFile
    // Read again: a setup file's dotenv, or the previous file's `process.env.X = …`, counts now.
    this.rereadEnvironment()
    this.fileRun = this.startTest({ testFile, testName: '' })
    return this.fileRun
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
    for (const [path, recording] of this.recordings)
      if (recording.identity.testFile === testFile) this.recordings.delete(path)
    return mine
  }

  bind<T>(run: TestRun, fn: () => T): T {
    this.active.add(run)
    return this.als.run(run, fn)
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
    const bound = this.als.getStore()
    // A finished test's late request was already reported where it can still be seen.
    if (bound) return bound.finished ? undefined : bound
    if (this.active.size > 1) return undefined
    return this.active.size === 1 ? this.active.values().next().value : this.fileRun
  }

  private runForRequest(method: string, url: string): TestRun | undefined {
    const bound = this.als.getStore()
    if (bound?.finished)
      throw this.lateRequest(
        bound,
        `${method} ${withoutCredentials(new URL(url), this.rules.secretParams).href}`,
      )
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

  private recordingOf(identity: TestIdentity): Recording {
    // A test named after a key (`it('works with sk-…')`) must not put the key in a file name.
    const testName = redactText(identity.testName, secretMatcherOf(this.currentSecrets()), new Set())
    const safe = testName === identity.testName ? identity : { ...identity, testName }
    const path = this.options.resolveRecordingPath?.(safe) ?? defaultRecordingPath(safe)
    let recording = this.recordings.get(path)
    if (!recording) {
      const folder = dirname(path)
      if (!replaysOnly(this.mode) && this.mode !== 'live' && !this.sweptFolders.has(folder)) {
        // Temp files of a writer killed mid-write: gone before this run writes here.
        this.sweptFolders.add(folder)
        sweepTempFiles(folder)
      }
      recording = new Recording(path, testIdOf(safe, this.rootDir), identity, this.recordingSettings)
      this.recordings.set(path, recording)
    }
    return recording
  }

  private settingsOfRecordings(): RecordingSettings {
    const { rules } = this
    return {
      mode: this.mode,
      matchHeaders: rules.matchHeaders,
      allowRepeats: this.options.allowRepeats === true,
      keepFailed: this.options.keepFailedRecordings === true,
      keyOf: (request) => storedRequestKey(request, rules),
      sameRequest: rules.normalizeRequest
        ? undefined
        : (live, stored) => sameStoredRequest(live, stored, rules.matchHeaders),
      idRules: this.idRules,
      sanitize: (file) => redactRecording(file, this.currentSecrets()),
    }
  }

  /**
   * A request for a finished test fails; the test running now (or else the file) fails with it,
   * since the finished one has been reported already. With neither, a process warning says it.
   */
  private lateRequest(from: TestRun, request: string): RecordingError {
    const now = this.active.size === 1 ? (this.active.values().next().value as TestRun) : undefined
    const error = lateRequestError(request, from.recording.testId, now?.recording.testId)
    const fileRun = this.fileRun?.identity.testFile === from.identity.testFile ? this.fileRun : undefined
    const witness = now ?? fileRun
    if (witness) witness.recording.noteMiss(error)
    else process.emitWarning(error.message, { code: error.code })
    return error
  }

  private secretsFor(requestSecrets: readonly string[]): readonly string[] {
    let grew = this.secretList === undefined
    for (const secret of requestSecrets) {
      // A short value or a word is redacted where it stood; searched for, it would hit answers.
      if (isSearchable(secret) && !this.seenSecrets.has(secret)) {
        this.seenSecrets.add(secret)
        grew = true
      }
    }
    // Rebuilt only when a new secret appears: this runs on every request.
    if (grew) this.secretList = [...this.seenSecrets, ...this.environmentSecrets]
    return this.secretList as readonly string[]
  }

  /** The upstream as the dispatcher sends to it: its inner dispatches are not intercepted again. */
  private forwardingDispatcher(): Promise<Dispatcher> {
    this.forwarder ??= this.upstreamDispatcher().then(uninterceptedDispatcher)
    return this.forwarder
  }

  /**
   * Everything to redact before a write: the run's request credentials and the environment's,
   * read again now (a `beforeAll` that sets `process.env.X` ran after the file started).
   */
  private currentSecrets(): readonly string[] {
    this.rereadEnvironment()
    return this.secretsFor([])
  }

  private rereadEnvironment(): void {
    const now = credentialsOfEnvironment(this.env)
    // The same array while the environment is unchanged (environment.ts): no join per test.
    if (now === this.environmentSecrets || now.join('\0') === this.environmentSecrets.join('\0')) return
    this.environmentSecrets = now
    this.secretList = undefined
  }

  private upstreamDispatcher(): Promise<Dispatcher> {
    // undici is loaded only when something goes to the network: replay-only runs never pay for it.
    this.upstream ??= import('undici').then(({ Agent, ProxyAgent, buildConnector }) =>
      routingUpstream(
        (connect, proxy) =>
          (proxy
            ? new ProxyAgent({ ...proxy, connect: connect as any })
            : new Agent({ connect: connect as any })) as any,
        (tlsOptions) => buildConnector(tlsOptions as any) as any,
      ),
    )
    return this.upstream
  }
}

export function createRecorder(options?: RecorderOptions): Recorder {
  return new Recorder(options)
}
