/**
 * The app process of the relay row (bench/contenders/app-server.mjs): a node:http server that,
 * for every `POST <path>`, makes the same request upstream with global fetch
 * (`RELAY_APP_UPSTREAM` + path, the client's body) and streams the answer back. Only node:
 * built-ins, so it runs as a user's app would, with or without the `fetch-recordings/server`
 * preload on the command line.
 *
 * `RELAY_APP_RECORDER=<dir>` (the in-app peer): the app imports the library itself
 * (`RELAY_APP_DIST`, dist/index.js) and handles every request inside one test of its own, so
 * the replay happens in this process.
 * writes the file). Over the IPC channel (never HTTP: a probe must not pass through the test
 * process's recorder), `cpu` answers this process's CPU time so far in µs and `finish` ends
 * the in-app test (in update mode that writes the file).
 */
import { createServer } from 'node:http'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const upstream = process.env.RELAY_APP_UPSTREAM
const inApp = process.env.RELAY_APP_RECORDER ? await openRecorder(process.env.RELAY_APP_RECORDER) : undefined

async function openRecorder(dir) {
  const { createRecorder } = await import(pathToFileURL(process.env.RELAY_APP_DIST).href)
  const recorder = createRecorder({
    mode: process.env.RELAY_APP_MODE === 'record' ? 'update' : 'replay',
    allowRepeats: true,
    normalizeIds: false,
    env: {},
    argv: [],
  }).install()
  const run = recorder.startTest({ testFile: join(dir, 'relay.test.ts'), testName: 'bench > relay' })
  return {
    run: (fn) => run.run(fn),
    finish: async () => {
      await run.finish({ status: 'passed' })
      await recorder.dispose()
    },
  }
}

async function forward(req, res, body) {
  const answer = await fetch(upstream + req.url, {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
    body,
  })
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' })
  for await (const chunk of answer.body) res.write(chunk)
  res.end()
}

async function handle(req, res) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  try {
    const body = Buffer.concat(chunks)
    await (inApp ? inApp.run(() => forward(req, res, body)) : forward(req, res, body))
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`app failed: ${error.message}`)
  }
}

process.on('message', async (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage()
    process.send({ cpu: user + system })
  } else if (message === 'finish') {
    await inApp?.finish()
    process.send({ finished: true })
  }
})

const server = createServer((req, res) => {
  handle(req, res)
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`))
// An orderly exit on the runner's SIGTERM, so that `--cpu-prof` in the app writes its profile.
process.on('SIGTERM', () => process.exit(0))
