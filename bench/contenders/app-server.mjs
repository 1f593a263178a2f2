/**
 * The relay row: the test process sends W1's request to an app (bench/lib/relay-app.mjs, its
 * own Node process), which makes the same request upstream with fetch. Three variants:
 *
 *  - `app-relay`: the app runs with the `fetch-recordings/server` preload and the test process
 *    with a recorder whose `appServers` names the app: the app's fetch is relayed to the test
 *    process and replayed there (server mode as users run it);
 *  - `app-in-process`: the app itself holds the recorder (replay in the app's process) and the
 *    test process none: the same two hops (test → app, the app's fetch) without the relay;
 *  - `app-live`: neither; the app's fetch reaches the loopback server in the test process.
 *
 * CPU per request counts both processes (the app answers over IPC): the relay moves the
 * replay's work from the app into the test process.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { fetchRequest } from '../lib/fetch-request.mjs'

const APP = fileURLToPath(new URL('../lib/relay-app.mjs', import.meta.url))
const DIST =
  process.env.FETCH_RECORDINGS_BENCH_DIST ?? fileURLToPath(new URL('../../dist/index.js', import.meta.url))

const KINDS = {
  'app-relay': { label: 'fetch-recordings, relayed from the app (server mode)', preload: true, test: true },
  'app-in-process': { label: 'fetch-recordings inside the app (no relay)', inApp: true },
  'app-live': { label: 'app → live loopback (no recorder)', live: true },
}

export function contender(id) {
  const kind = KINDS[id]
  let appUrl
  return {
    label: kind.label,
    phases: kind.live ? ['replay'] : ['replay', 'record'],
    workloads: ['relay'],
    needsServer: Boolean(kind.live),
    async open({ phase, dir, origin }) {
      const app = await startApp(kind, { phase, dir, origin })
      appUrl = app.url
      const recorder = kind.test ? await testRecorder(phase, app.url) : undefined
      const testFile = join(dir, 'relay.test.ts')
      return {
        async runTest(test, fn) {
          if (!recorder) return fn()
          const run = recorder.startTest({ testFile, testName: `bench > ${test.id}` })
          let status = 'passed'
          try {
            await run.run(fn)
          } catch (error) {
            status = 'failed'
            throw error
          } finally {
            await run.finish({ status })
          }
        },
        /** The app's CPU time so far (µs), for the worker's per-request CPU figure. */
        otherCpuUs: async () => (await app.ask('cpu')).cpu,
        async close() {
          if (kind.inApp) await app.ask('finish')
          await recorder?.dispose()
          await app.stop()
        },
      }
    },
    // The test talks to the app; the app makes the request upstream.
    request: (_origin, req) => fetchRequest(appUrl, req),
  }
}

async function testRecorder(phase, appUrl) {
  const { createRecorder } = await import(pathToFileURL(DIST).href)
  return createRecorder({
    mode: phase === 'record' ? 'update' : 'replay',
    allowRepeats: true,
    normalizeIds: false,
    appServers: [appUrl],
  }).install()
}

/** Starts the app and waits for its "listening <port>" line. */
function startApp(kind, { phase, dir, origin }) {
  const nodeArgs = kind.preload ? ['--import', join(dirname(DIST), 'server.js')] : []
  const env = {
    PATH: process.env.PATH,
    NODE_NO_WARNINGS: '1',
    RELAY_APP_UPSTREAM: origin,
    RELAY_APP_DIST: DIST,
    ...(kind.inApp ? { RELAY_APP_RECORDER: dir, RELAY_APP_MODE: phase } : {}),
  }
  const child = spawn(process.execPath, [...nodeArgs, APP], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  // A worker that fails before close() exits at once: the app must not outlive it.
  const orphaned = () => child.kill('SIGKILL')
  process.once('exit', orphaned)
  let output = ''
  const exited = new Promise((resolve) => child.on('close', resolve))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay app did not start: ${output}`)), 60_000)
    child.on('close', (code) => reject(new Error(`relay app exited (${code}): ${output.trim()}`)))
    const onData = (chunk) => {
      output += chunk
      const port = /listening (\d+)/.exec(output)?.[1]
      if (!port) return
      clearTimeout(timer)
      resolve({
        url: `http://127.0.0.1:${port}`,
        /** One question over IPC, one answer (the app handles them in order). */
        ask: (message) =>
          new Promise((answer) => {
            child.once('message', answer)
            child.send(message)
          }),
        stop: async () => {
          process.off('exit', orphaned)
          child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
  })
}
