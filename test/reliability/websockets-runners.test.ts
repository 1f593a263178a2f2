/**
 * End to end on the real runners (Vitest, Jest): while recording, the `ws` package to a remote
 * host and undici's WebSocket on loopback open and talk (undici's used to hang the test), and a
 * fetch on its own undici Agent to a remote host is recorded with no false "bypassed" note; the
 * summary notes the one WebSocket to a remote host. With CI=true that WebSocket is refused
 * (WEBSOCKET_REFUSED, the test named) and never reaches the server, the loopback one still
 * works, and the fetch replays with no request reaching the API.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { summaryOf } from '../support/contract.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { JestProject } from '../support/jest-fixture.js'
import { type RealtimeServer, startRealtimeServer } from '../support/realtime-server.js'
import { VitestFixture } from '../support/vitest-fixture.js'

function socketTests(imports: string): string {
  return `${imports}
const lookup = (host, options, callback) => {
  const done = typeof options === 'function' ? options : callback
  if (options && options.all) done(null, [{ address: '127.0.0.1', family: 4 }])
  else done(null, '127.0.0.1', 4)
}
const { WS_PORT, API_PORT } = process.env
const firstMessage = (socket, on) => new Promise((resolve, reject) => {
  on('message', (data) => { socket.close(); resolve(JSON.parse(String(data)).type) })
  on('error', (error) => reject(error instanceof Error ? error : new Error('websocket error')))
})

test('ws package to a remote host', async () => {
  const socket = new WS('ws://rt.fr-remote.test:' + WS_PORT + '/v1/realtime', { lookup })
  expect(await firstMessage(socket, (event, listener) => socket.on(event, listener))).toBe('session.created')
})

test('undici WebSocket on loopback', async () => {
  const socket = new WebSocket('ws://127.0.0.1:' + WS_PORT + '/v1/realtime')
  const on = (event, listener) => socket.addEventListener(event, (e) => listener(event === 'message' ? e.data : e))
  expect(await firstMessage(socket, on)).toBe('session.created')
})

test('fetch on its own Agent to a remote host', async () => {
  const response = await fetch('http://api.fr-remote.test:' + API_PORT + '/status/200', { dispatcher: new Agent({ connect: { lookup } }) })
  expect(response.status).toBe(200)
})
`
}

const VITEST_CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`

let api: FakeApi
let realtime: RealtimeServer
beforeAll(async () => {
  api = await startFakeApi()
  realtime = await startRealtimeServer()
})
afterAll(async () => {
  await api?.close()
  await realtime?.close()
})

async function recordThenReplay(
  run: (env: Record<string, string>) => Promise<{ code: number | null; output: string }>,
) {
  const env = { WS_PORT: String(realtime.port), API_PORT: String(api.port) }
  const recorded = await run(env)
  expect(recorded.code, recorded.output).toBe(0)
  expect(summaryOf(recorded.output)).toMatchObject({ written: 1, mode: 'new' })
  expect(recorded.output).toContain('1 request(s) bypassed the recorder (rt.fr-remote.test)')
  expect(recorded.output).not.toMatch(/bypassed the recorder \([^)]*api\.fr-remote\.test/)

  const upgrades = realtime.upgrades
  const hits = api.requests.length
  const replayed = await run({ ...env, CI: 'true' })
  expect(replayed.code, replayed.output).not.toBe(0)
  expect(summaryOf(replayed.output)).toMatchObject({ replayed: 1, mode: 'replay' })
  // The refusal's message (Vitest prints the RecordingError's message, not its code).
  expect(replayed.output).toMatch(
    /A WebSocket to ws:\/\/rt\.fr-remote\.test:\d+\/v1\/realtime in "[^"]*ws package to a remote host" was refused/,
  )
  // Only the loopback socket reached the server; the fetch was replayed.
  expect(realtime.upgrades).toBe(upgrades + 1)
  expect(api.requests).toHaveLength(hits)
}

describe('WebSockets and own dispatchers on the real runners', () => {
  test('Vitest', async () => {
    const fixture = VitestFixture.create(
      {
        'vitest.config.ts': VITEST_CONFIG,
        'sockets.test.ts': socketTests(
          `import WS from 'ws'\nimport { Agent, WebSocket } from 'undici'\nimport { expect, test } from 'vitest'`,
        ),
      },
      ['ws'],
    )
    try {
      await recordThenReplay((env) => fixture.run([], { env }))
    } finally {
      fixture.dispose()
    }
  })

  test('Jest', async () => {
    const project = new JestProject({
      files: {
        'sockets.test.js': socketTests(
          `const WS = require('ws')\nconst { Agent, WebSocket } = require('undici')`,
        ),
      },
    })
    try {
      await recordThenReplay((env) =>
        project.run({ env }).then((run) => ({ code: run.exitCode, output: run.output })),
      )
    } finally {
      project.cleanup()
    }
  })
})
