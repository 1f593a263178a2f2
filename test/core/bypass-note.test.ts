/**
 * The "N request(s) bypassed the recorder" note is true both ways. Requests on an undici
 * dispatcher of their own (Agent, Client, Pool, `setGlobalDispatcher(new Agent())`,
 * EnvHttpProxyAgent) are recorded and replayed, so they are not noted; a node:http request on
 * its own `createConnection` is neither, so it is noted while recording and refused in a replay
 * (OWN_CONNECTION_REFUSED) before it reaches the API. A remote host is a `.fr-remote.test` name
 * that resolves to the loopback fake API (test/support/realtime-server.ts).
 */
import http from 'node:http'
import net from 'node:net'
import {
  Agent,
  Client,
  EnvHttpProxyAgent,
  getGlobalDispatcher,
  Pool,
  request,
  setGlobalDispatcher,
} from 'undici'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildRunReport } from '../../src/report/report.js'
import { formatSummary } from '../../src/report/summary.js'
import { readRecording, session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { remoteNamesToLoopback as lookup } from '../support/realtime-server.js'

let api: FakeApi
let origin: string
beforeAll(async () => {
  api = await startFakeApi()
  origin = `http://api.fr-remote.test:${api.port}`
})
afterAll(() => api.close())

/** Each way of bringing an undici dispatcher of one's own; returns the response bodies. */
async function ownDispatcherRequests(): Promise<string[]> {
  const connect = { lookup }
  const bodies: string[] = []
  bodies.push(
    await (await fetch(`${origin}/status/201`, { dispatcher: new Agent({ connect }) } as any)).text(),
  )
  bodies.push(
    await (await request(`${origin}/status/202`, { dispatcher: new Agent({ connect }) })).body.text(),
  )
  for (const dispatcher of [new Client(origin, { connect }), new Pool(origin, { connect })]) {
    const response = await dispatcher.request({ path: '/status/203', method: 'GET' })
    bodies.push(await response.body.text())
    await dispatcher.close()
  }
  const before = getGlobalDispatcher()
  try {
    for (const dispatcher of [new Agent({ connect }), new EnvHttpProxyAgent({ connect } as any)]) {
      setGlobalDispatcher(dispatcher)
      bodies.push(await (await fetch(`${origin}/status/204`)).text())
    }
  } finally {
    setGlobalDispatcher(before)
  }
  return bodies
}

test('own dispatchers: recorded without a "bypassed" note, replayed with no request reaching the API', async () => {
  const dir = tempDir()
  const recorded = await session(dir, 'new', ownDispatcherRequests)
  expect(recorded.thrown).toBeUndefined()
  expect(recorded.outcome.bypassed).toBeUndefined()
  expect(readRecording(recorded.path).interactions).toHaveLength(6)
  const hits = api.requests.length
  const replayed = await session(dir, 'replay', ownDispatcherRequests)
  expect(replayed.thrown).toBeUndefined()
  expect(replayed.result).toEqual(recorded.result)
  expect(api.requests).toHaveLength(hits)
})

function getOnOwnConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const createConnection = () => net.connect(api.port, '127.0.0.1')
    http
      .get(url, { createConnection } as http.RequestOptions, (response) => {
        let text = ''
        response.on('data', (chunk) => (text += chunk))
        response.on('end', () => resolve(text))
      })
      .on('error', reject)
  })
}

test('createConnection: noted while recording (with the summary saying what it means), refused in a replay, loopback left alone', async () => {
  const dir = tempDir()
  const recorded = await session(dir, 'new', () => getOnOwnConnection(`${origin}/status/200`))
  expect(recorded.thrown).toBeUndefined()
  expect(recorded.outcome.bypassed).toEqual(['api.fr-remote.test'])
  const report = buildRunReport({
    mode: 'new',
    files: [],
    outcomes: [recorded.outcome],
    fullRun: false,
    roots: [],
    customLayout: true,
  })
  const summary = formatSummary(report, { rootDir: dir, updateCommand: 'x', pruneCommand: 'y', color: false })
  expect(summary).toContain('1 request(s) bypassed the recorder (api.fr-remote.test)')
  expect(summary).toContain('own createConnection')

  const hits = api.requests.length
  const replayed = await session(dir, 'replay', () => getOnOwnConnection(`${origin}/status/200?key=1`), {
    secretParams: ['key'],
  })
  // The client fails with the error itself, before any connection is opened.
  expect((replayed.thrown as { code?: string } | undefined)?.code).toBe('OWN_CONNECTION_REFUSED')
  expect(replayed.error?.code).toBe('OWN_CONNECTION_REFUSED')
  expect(replayed.error?.message).toContain('"case.test.ts > suite > case"')
  expect(replayed.error?.message).toContain(`GET ${origin}/status/200`)
  expect(replayed.error?.message).not.toContain('key=1')
  expect(replayed.error?.message).toContain('Drop createConnection')
  expect(api.requests).toHaveLength(hits)

  const local = await session(dir, 'replay', () => getOnOwnConnection(`${api.url}/status/200`))
  expect(local.thrown).toBeUndefined()
  expect(local.error).toBeUndefined()
  expect(api.requests).toHaveLength(hits + 1)
})
