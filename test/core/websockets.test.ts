/**
 * WebSockets are not recorded (docs/modes.md#websockets-and-own-connections). While recording,
 * an upgrade passes through untouched and the client opens and talks: undici's `WebSocket` (the
 * global dispatcher, or one of its own), Node's global `WebSocket` (Node 22+), and the `ws`
 * package (node:http, its own createConnection or an Agent). In a run that only replays, one to a
 * remote host is refused with WEBSOCKET_REFUSED before it reaches the server; loopback and
 * passthrough hosts are reached. A remote host is a `.fr-remote.test` name resolved to loopback.
 */
import http from 'node:http'
import { createRequire } from 'node:module'
import { Agent, WebSocket as UndiciWebSocket } from 'undici'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { session, tempDir } from '../support/core-helpers.js'
import {
  type RealtimeServer,
  remoteNamesToLoopback,
  startRealtimeServer,
} from '../support/realtime-server.js'

const { WebSocket: WsClient } = createRequire(import.meta.url)('ws')
const lookup = remoteNamesToLoopback

let server: RealtimeServer
let remote: string
beforeAll(async () => {
  server = await startRealtimeServer()
  remote = `ws://rt.fr-remote.test:${server.port}`
})
afterAll(() => server.close())

/** A client that opens `url`, reads session.created, sends one message and reads its echo. */
type Client = (url: string) => Promise<string[]>

function conversation(
  socket: any,
  on: (event: string, listener: (value: any) => void) => void,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const seen: string[] = []
    on('message', (data) => {
      seen.push(JSON.parse(String(data)).type)
      if (seen.length === 1) socket.send('hi')
      else {
        socket.close()
        resolve(seen)
      }
    })
    on('error', (error) =>
      reject(error instanceof Error ? error : (error?.error ?? new Error(error?.message))),
    )
  })
}

const whatwg =
  (make: (url: string) => any): Client =>
  (url) => {
    const socket = make(url)
    return conversation(socket, (event, listener) =>
      socket.addEventListener(event, (e: any) => listener(event === 'message' ? e.data : e)),
    )
  }

const wsPackage =
  (options: object): Client =>
  (url) => {
    const socket = new WsClient(url, { lookup, ...options })
    return conversation(socket, (event, listener) => socket.on(event, listener))
  }

const ownAgent = new Agent({ connect: { lookup } })
const upstream = new Agent({ connect: { lookup } })
const GlobalWebSocket = (globalThis as any).WebSocket

/** Every client this Node has: Node's global WebSocket exists from Node 22. */
const clients: Record<string, Client> = {
  'undici WebSocket': whatwg((url) => new UndiciWebSocket(url)),
  'undici WebSocket with its own dispatcher': whatwg(
    (url) => new UndiciWebSocket(url, { dispatcher: ownAgent }),
  ),
  'ws (its own createConnection)': wsPackage({}),
  'ws on an http.Agent': wsPackage({ agent: new http.Agent() }),
  ...(GlobalWebSocket ? { 'Node global WebSocket': whatwg((url) => new GlobalWebSocket(url)) } : {}),
}

test('new mode: every client opens and talks, to loopback and to a remote host; nothing is recorded, the remote host is noted', async () => {
  const dir = tempDir()
  const result = await session(
    dir,
    'new',
    async () => {
      const talked: Record<string, string[][]> = {}
      for (const [name, client] of Object.entries(clients))
        talked[name] = [await client(server.url), await client(remote)]
      return talked
    },
    { upstream },
  )
  expect(result.thrown).toBeUndefined()
  expect(result.error).toBeUndefined()
  for (const name of Object.keys(clients))
    expect(result.result?.[name], name).toEqual([
      ['session.created', 'response.text.done'],
      ['session.created', 'response.text.done'],
    ])
  expect(result.outcome.recorded).toBe(0)
  expect(result.outcome.change).toBe('none')
  // Noted for the summary: in a replay these would be refused.
  expect(result.outcome.bypassed).toEqual(Object.keys(clients).map(() => 'rt.fr-remote.test'))
})

test('replay: a WebSocket to a remote host is refused with WEBSOCKET_REFUSED (test, URL, fix) and never reaches the server', async () => {
  for (const [name, client] of Object.entries(clients)) {
    const before = server.upgrades
    const result = await session(tempDir(), 'replay', () => client(`${remote}/v1/realtime?model=m`), {
      testName: `realtime > ${name}`,
      upstream,
    })
    expect(result.thrown, name).toBeDefined()
    expect(result.error?.code, name).toBe('WEBSOCKET_REFUSED')
    expect(result.error?.message).toContain('"case.test.ts > realtime > ')
    expect(result.error?.message).toContain(`ws://rt.fr-remote.test:${server.port}/v1/realtime?model=m`)
    expect(result.error?.message).toContain(`passthrough: ['http://rt.fr-remote.test:${server.port}']`)
    expect(result.error?.message).toContain('Mock the socket')
    expect(server.upgrades, name).toBe(before)
  }
})

test('replay: loopback WebSockets and passthrough hosts are reached', async () => {
  const result = await session(
    tempDir(),
    'replay',
    async () => {
      const talked: string[][] = []
      for (const client of Object.values(clients)) talked.push(await client(server.url), await client(remote))
      return talked
    },
    { upstream, passthrough: [`http://rt.fr-remote.test:${server.port}`] },
  )
  expect(result.thrown).toBeUndefined()
  expect(result.error).toBeUndefined()
  expect(result.result).toHaveLength(Object.keys(clients).length * 2)
  for (const talk of result.result ?? []) expect(talk).toEqual(['session.created', 'response.text.done'])
})
