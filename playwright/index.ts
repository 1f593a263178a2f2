/**
 * `import { test, expect } from 'fetch-recordings/playwright'`: Playwright's test, extended.
 * Each worker runs one Recorder (the core's, with the project's `use.fetchRecordings` options);
 * each test gets its recording. The browser's requests to the app servers (navigations,
 * same-origin fetches) and the `request` fixture's are tagged with the test's header, so the
 * app (started with `fetch-recordings/server`) relays what it requests while handling them into
 * this test's recording. Node-side fetches of the test itself are recorded as under Vitest.
 * A miss fails the test with the RecordingError, attached to the result (docs/playwright.md).
 */
import {
  type APIRequestContext,
  type BrowserContext,
  test as base,
  expect,
  type Route,
  type TestInfo,
} from '@playwright/test'
import {
  createRecorder,
  type Recorder,
  type RecordingsOptions,
  type TestRun,
  type TestStatus,
} from '../src/index.js'
import { projectRootOf, recordingNameOf } from './names.js'
import { OUTCOME_ATTACHMENT, type OutcomeAttachment } from './outcome.js'

/** `use: { fetchRecordings: { appServers: [...] } }` (a configFile is not needed: the config is code). */
export type PlaywrightRecordingsOptions = RecordingsOptions

interface WorkerFixtures {
  fetchRecordings: PlaywrightRecordingsOptions
  _fetchRecordingsRecorder: Recorder
}

interface TestFixtures {
  _fetchRecordingsRun: TestRun
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  fetchRecordings: [{}, { scope: 'worker', option: true }],

  _fetchRecordingsRecorder: [
    async ({ fetchRecordings }, use, workerInfo) => {
      const recorder = createRecorder({
        ...fetchRecordings,
        rootDir: projectRootOf(workerInfo.config),
      }).install()
      try {
        await use(recorder)
      } finally {
        await recorder.dispose()
      }
    },
    { scope: 'worker', auto: true },
  ],

  _fetchRecordingsRun: [
    async ({ _fetchRecordingsRecorder: recorder }, use, testInfo) => {
      const testName = recordingNameOf(testInfo.titlePath.slice(1), testInfo.project.name)
      const run = recorder.startTest({ testFile: testInfo.file, testName })
      // One test at a time per worker: the test's own Node-side requests are attributed to it.
      await run.run(() => use(run))
      await finishRun(recorder, run, testInfo)
    },
    { auto: true },
  ],

  context: async ({ context, _fetchRecordingsRecorder: recorder, _fetchRecordingsRun: run }, use) => {
    await tagAppServerRequests(context, recorder, run)
    await use(context)
  },

  request: async (
    { request, _fetchRecordingsRecorder: recorder, _fetchRecordingsRun: run },
    use,
    testInfo,
  ) => {
    const baseURL = testInfo.project.use.baseURL
    await use(taggedRequestContext(request, recorder, run, baseURL))
  },
})

export { expect }

async function finishRun(recorder: Recorder, run: TestRun, testInfo: TestInfo): Promise<void> {
  const error = run.error()
  const outcome = run.finish({ status: error ? 'failed' : statusOf(testInfo.status) })
  const attachment: OutcomeAttachment = { mode: recorder.mode, outcome }
  await testInfo.attach(OUTCOME_ATTACHMENT, {
    body: JSON.stringify(attachment),
    contentType: 'application/json',
  })
  if (error) {
    // Visible in the HTML report beside the failure, and the test fails with it.
    await testInfo.attach('fetch-recordings error', { body: error.message, contentType: 'text/plain' })
    throw error
  }
}

function statusOf(status: TestInfo['status']): TestStatus {
  if (status === 'passed' || status === 'skipped') return status
  return 'failed'
}

/** Only requests to the app servers are touched; third parties and preflights never are. */
async function tagAppServerRequests(
  context: BrowserContext,
  recorder: Recorder,
  run: TestRun,
): Promise<void> {
  await context.route(
    (url) => recorder.isAppServer(url.href),
    async (route: Route) => {
      const request = route.request()
      if (request.method() === 'OPTIONS') return route.continue()
      const headers = { ...(await request.allHeaders()), ...(await run.appServerHeaders()) }
      await route.continue({ headers })
    },
  )
}

const REQUEST_METHODS = new Set<PropertyKey>(['fetch', 'get', 'post', 'put', 'patch', 'delete', 'head'])

/** The `request` fixture, whose calls to the app servers carry the test's header. */
function taggedRequestContext(
  request: APIRequestContext,
  recorder: Recorder,
  run: TestRun,
  baseURL: string | undefined,
): APIRequestContext {
  return new Proxy(request, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (!REQUEST_METHODS.has(property)) return value.bind(target)
      return async (url: any, options: { headers?: Record<string, string> } = {}) => {
        const href = typeof url === 'string' ? new URL(url, baseURL).href : url.url()
        if (!recorder.isAppServer(href)) return value.call(target, url, options)
        const headers = { ...options.headers, ...(await run.appServerHeaders()) }
        return value.call(target, url, { ...options, headers })
      }
    },
  })
}
