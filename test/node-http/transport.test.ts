/**
 * The node:http(s) transport against real loopback servers, in process: Node's own client
 * (http.request, https.request, http.get, keep-alive Agents) recorded and replayed through the
 * same core as fetch, with the pitfalls real clients hit.
 */
import http, { get as namedGet } from 'node:http'
import { expect, test } from 'vitest'
import { readRecording, session, tempDir } from '../support/core-helpers.js'
import { startFakeApi } from '../support/fake-apis.js'
import { chatBody, send } from './support.js'

const POST_JSON = { method: 'POST', headers: { 'content-type': 'application/json' } }

test('a body written in pieces, req.end(data), Expect: 100-continue: recorded once, replayed offline', async () => {
  const api = await startFakeApi()
  const dir = tempDir()
  const body = chatBody('hello in pieces')
  const pieces = [body.slice(0, 5), body.slice(5, 20), body.slice(20)]
  const exchange = () =>
    Promise.all([
      // No content-length: Node sends the pieces with chunked encoding.
      send(`${api.url}/v1/chat/completions`, { ...POST_JSON, pieces }),
      send(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          expect: '100-continue',
          'content-length': body.length,
        },
        pieces: [body],
      }),
    ])
  const recorded = await session(dir, 'new', exchange)
  expect(recorded.thrown).toBeUndefined()
  expect(api.requests).toHaveLength(2)
  expect(api.requests.map((request) => request.body.toString())).toEqual([body, body])
  const [first, second] = recorded.result ?? []
  expect(JSON.parse(first?.text ?? '').choices[0].message.content).toBe('Echo: hello in pieces')

  await api.close()
  const replayed = await session(dir, 'replay', exchange)
  expect(replayed.thrown).toBeUndefined()
  expect(replayed.result?.map((response) => JSON.parse(response.text))).toEqual([
    JSON.parse(first?.text ?? ''),
    JSON.parse(second?.text ?? ''),
  ])
  expect(replayed.outcome.replayed).toBe(2)
})

test('SSE reaches the client event by event while recording and on replay', async () => {
  const api = await startFakeApi()
  const dir = tempDir()
  const stream = () =>
    send(`${api.url}/v1/chat/completions`, {
      ...POST_JSON,
      pieces: [chatBody('one two three four five six', { stream: true })],
    })
  const recorded = await session(dir, 'new', stream)
  const events = (recorded.result?.text ?? '').split('\n\n').filter(Boolean)
  expect(events.length).toBeGreaterThan(5)
  expect(readRecording(recorded.path).interactions[0]?.response.is_streaming).toBe(true)

  await api.close()
  const replayed = await session(dir, 'replay', stream)
  expect(replayed.result?.text).toBe(recorded.result?.text)
  expect(replayed.result?.chunks).toHaveLength(events.length)
  expect(replayed.result?.headers['content-type']).toMatch(/text\/event-stream/)
})

/**
 * A server that sends event i+1 only after the client has read event i (told through a side
 * channel): if the transport held the stream back until its end, recording would deadlock.
 */
async function startLockstepServer(events: number) {
  let delivered: (index: number) => void = () => {}
  const server = http.createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (let i = 0; i < events; i++) {
      const read = new Promise<void>((resolve) => {
        delivered = (index) => index === i && resolve()
      })
      res.write(`data: {"n":${i}}\n\n`)
      await read
    }
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/events`, clientRead: (i: number) => delivered(i), server }
}

test('recording streams in lockstep: the client reads each event before the server sends the next', async () => {
  const lockstep = await startLockstepServer(6)
  const dir = tempDir()
  const read = () =>
    new Promise<string[]>((resolve, reject) => {
      http
        .get(lockstep.url, (res) => {
          const events: string[] = []
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            events.push(chunk)
            lockstep.clientRead(events.length - 1)
          })
          res.on('end', () => resolve(events))
        })
        .on('error', reject)
    })
  const recorded = await session(dir, 'new', read)
  expect(recorded.result).toEqual(Array.from({ length: 6 }, (_, i) => `data: {"n":${i}}\n\n`))
  lockstep.server.close()
  const replayed = await session(dir, 'replay', read)
  expect(replayed.result).toEqual(recorded.result)
})

test('agent: false, a named ESM import of get, and the global agent all reach the transport', async () => {
  const api = await startFakeApi()
  const dir = tempDir()
  const viaNamedGet = () =>
    new Promise<number>((resolve, reject) => {
      namedGet(`${api.url}/status/201`, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      }).on('error', reject)
    })
  const calls = async () => [
    (await send(`${api.url}/status/202`, { agent: false })).status,
    await viaNamedGet(),
    (await send(`${api.url}/status/203`)).status,
  ]
  const recorded = await session(dir, 'new', calls)
  expect(recorded.result).toEqual([202, 201, 203])
  expect(recorded.outcome.recorded).toBe(3)
  await api.close()
  const replayed = await session(dir, 'replay', calls)
  expect(replayed.result).toEqual([202, 201, 203])
  expect(replayed.outcome.replayed).toBe(3)
})

test('HEAD, 204 and GET one after another on one kept-alive socket', async () => {
  const api = await startFakeApi()
  const dir = tempDir()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const sockets = new Set<unknown>()
  agent.on('free', (socket) => sockets.add(socket))
  const sequence = async () => [
    await send(`${api.url}/status/204`, { agent }),
    await send(`${api.url}/status/200`, { agent, method: 'HEAD' }),
    await send(`${api.url}/status/200`, { agent }),
  ]
  const recorded = await session(dir, 'new', sequence)
  expect(recorded.result?.map((response) => response.status)).toEqual([204, 200, 200])
  expect(sockets.size).toBe(1)
  await api.close()
  const replayed = await session(dir, 'replay', sequence)
  expect(replayed.result?.map((response) => [response.status, response.text])).toEqual(
    recorded.result?.map((response) => [response.status, response.text]),
  )
  agent.destroy()
})

test('a keep-alive socket pooled before install is not reused; after dispose the network is back', async () => {
  const api = await startFakeApi()
  const dir = tempDir()
  const originals = [
    http.Agent.prototype.createConnection,
    (http.Agent.prototype as any).addRequest,
    http.request,
  ]
  const agent = new http.Agent({ keepAlive: true })
  await send(`${api.url}/status/200`, { agent })
  expect(api.requests).toHaveLength(1)
  const pooled = Object.values(agent.freeSockets).flat()
  expect(pooled).toHaveLength(1)

  await api.close()
  const offline = await session(dir, 'new', () => send(`${api.url}/status/200`, { agent }).catch((e) => e))
  // The pooled socket to the (now closed) server was dropped: the request was recorded, and
  // since the server is gone the recording attempt fails with a connection error.
  expect(pooled[0]?.destroyed).toBe(true)
  expect(offline.result).toBeInstanceOf(Error)
  expect((offline.result as any).code).toBe('ECONNREFUSED')

  const api2 = await startFakeApi()
  const url = `${api2.url}/status/200`
  const recorded = await session(dir, 'new', () => send(url, { agent }))
  expect(recorded.outcome.recorded).toBe(1)
  // dispose retired the recording sockets in the pool: the next request goes to the server.
  expect(Object.values(agent.freeSockets).flat()).toHaveLength(0)
  const before = api2.requests.length
  await send(url, { agent })
  expect(api2.requests.length).toBe(before + 1)
  // Every patch was put back exactly.
  expect([
    http.Agent.prototype.createConnection,
    (http.Agent.prototype as any).addRequest,
    http.request,
  ]).toEqual(originals)
  agent.destroy()
  await api2.close()
})

test('the socket connects asynchronously (socket.connecting, then connect), and req.setTimeout fires on a stall', async () => {
  const api = await startFakeApi()
  const dir = tempDir()
  const result = await session(
    dir,
    'new',
    () =>
      new Promise<{ connecting: boolean[]; timedOut: boolean; error: string }>((resolve) => {
        const connecting: boolean[] = []
        let timedOut = false
        const request = http.get(`${api.url}/fault/stall`, (res) => res.resume())
        request.on('socket', (socket) => {
          connecting.push(socket.connecting)
          socket.on('connect', () => connecting.push(socket.connecting))
        })
        request.setTimeout(300, () => {
          timedOut = true
          request.destroy(new Error('timed out'))
        })
        request.on('error', (error) => resolve({ connecting, timedOut, error: error.message }))
        request.on('close', () => resolve({ connecting, timedOut, error: '' }))
      }),
  )
  expect(result.result?.connecting).toEqual([true, false])
  expect(result.result?.timedOut).toBe(true)
  await api.close()
})

test('an abort mid-stream (AbortSignal, req.destroy) ends the request while recording and on replay', async () => {
  const api = await startFakeApi()
  const dir = tempDir()
  const readOneThenAbort = () =>
    new Promise<{ first: string; error: string }>((resolve) => {
      const controller = new AbortController()
      const request = http.request(
        `${api.url}/v1/chat/completions`,
        { ...POST_JSON, signal: controller.signal },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            controller.abort()
            res.on('error', () => {})
            request.on('close', () => resolve({ first: chunk.toString(), error: 'aborted' }))
          })
        },
      )
      request.on('error', () => {})
      request.end(chatBody('a b c d e f g h i j k l', { stream: true }))
    })
  const recorded = await session(dir, 'new', readOneThenAbort)
  expect(recorded.result?.first).toMatch(/^data: /)
  // A client that lets go (not a deadline) is answered at once while the upstream is drained:
  // the whole stream is stored, as on the fetch path (docs/modes.md).
  const stored = readRecording(recorded.path).interactions[0]?.response
  expect(stored?.truncated).toBeUndefined()
  expect(JSON.stringify(stored?.body).endsWith('{"data":"[DONE]"}]')).toBe(true)

  // A complete recording, replayed and abandoned after one event by req.destroy().
  const full = await session(tempDir(), 'new', () =>
    send(`${api.url}/v1/chat/completions`, { ...POST_JSON, pieces: [chatBody('x y z', { stream: true })] }),
  )
  await api.close()
  const replayed = await session(
    full.path.split('/__recordings__')[0] as string,
    'replay',
    () =>
      new Promise<string>((resolve) => {
        const request = http.request(`${api.url}/v1/chat/completions`, POST_JSON, (res) => {
          res.once('data', () => request.destroy())
          res.on('error', () => {})
        })
        request.on('error', () => {})
        request.on('close', () => resolve('closed'))
        request.end(chatBody('x y z', { stream: true }))
      }),
  )
  expect(replayed.result).toBe('closed')
  expect(replayed.error).toBeUndefined()
})
