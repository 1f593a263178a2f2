/**
 * The node:http transport at its edges: https without certificates on replay, proxies,
 * unix sockets and passthrough, misses and secrets through axios, blockNetwork, http2 in
 * replay, and traffic that bypassed every transport.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import axios from 'axios'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildRunReport } from '../../src/report/report.js'
import { formatSummary } from '../../src/report/summary.js'
import { readRecording, recordingErrorOf, session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { chatBody, selfSignedCertificate, send, startForwardProxy, startHttpsEcho } from './support.js'

let api: FakeApi
beforeAll(async () => {
  api = await startFakeApi()
})
afterAll(() => api.close())

test('https: recorded from a self-signed loopback server (the client trusts its CA), replayed with no server and no CA', async () => {
  const tls = selfSignedCertificate()
  const server = await startHttpsEcho(tls)
  const dir = tempDir()
  const agent = new https.Agent({ ca: tls.cert })
  const recorded = await session(dir, 'new', () =>
    send(`${server.url}/secure?x=1`, { method: 'POST', agent, pieces: ['sealed'] }),
  )
  expect(recorded.thrown).toBeUndefined()
  expect(JSON.parse(recorded.result?.text ?? '')).toEqual({
    secure: true,
    path: '/secure?x=1',
    body: 'sealed',
  })
  expect(readRecording(recorded.path).interactions[0]?.request.url).toBe(`${server.url}/secure?x=1`)
  await server.close()
  // No CA and no server: the transport answers before any TLS would happen.
  const replayed = await session(dir, 'replay', () =>
    send(`${server.url}/secure?x=1`, { method: 'POST', pieces: ['sealed'] }),
  )
  expect(replayed.result?.text).toBe(recorded.result?.text)
})

test('HTTP_PROXY and HTTPS_PROXY through axios (proxy-from-env, CONNECT tunnel for https): the target URL is recorded, the proxy is used only while recording', async () => {
  const tls = selfSignedCertificate()
  const origin = await startHttpsEcho(tls)
  const proxy = await startForwardProxy(api.url, origin.url)
  const dir = tempDir()
  const ask = async () => [
    (await axios.post('http://api.example.test/v1/chat/completions', JSON.parse(chatBody('plain via proxy'))))
      .data,
    // axios tunnels an https target through the proxy (https-proxy-agent, CONNECT).
    (await axios.post('https://api.example.test/v1/tunnelled', { via: 'tunnel' })).data,
  ]
  process.env.HTTP_PROXY = proxy.url
  process.env.HTTPS_PROXY = proxy.url
  // The origin's certificate is trusted the way axios's tunnel reads it: the global agent's CA.
  https.globalAgent.options.ca = tls.cert
  try {
    const recorded = await session(dir, 'new', ask)
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.result?.[1]).toEqual({ secure: true, path: '/v1/tunnelled', body: '{"via":"tunnel"}' })
    expect(proxy.seen).toEqual([
      'http://api.example.test/v1/chat/completions',
      'CONNECT api.example.test:443',
    ])
    expect(readRecording(recorded.path).interactions.map((i) => i.request.url)).toEqual([
      'http://api.example.test/v1/chat/completions',
      'https://api.example.test/v1/tunnelled',
    ])
    expect(recorded.outcome.bypassed).toBeUndefined()
    await proxy.close()
    await origin.close()
    const replayed = await session(dir, 'replay', ask)
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.result).toEqual(recorded.result)
  } finally {
    delete process.env.HTTP_PROXY
    delete process.env.HTTPS_PROXY
    delete https.globalAgent.options.ca
  }
})

test('a unix socket and a passthrough URL reach their server in replay and are never recorded', async () => {
  const socketDir = mkdtempSync(join(tmpdir(), 'fr-sock-'))
  const socketPath = join(socketDir, 'api.sock')
  const local = http.createServer((_req, res) => res.end('local daemon'))
  await new Promise<void>((resolve) => local.listen(socketPath, resolve))
  const dir = tempDir()
  try {
    const before = api.requests.length
    const result = await session(
      dir,
      'replay',
      async () => [await send('http://localhost/info', { socketPath }), await send(`${api.url}/status/200`)],
      { passthrough: [api.url] },
    )
    expect(result.thrown).toBeUndefined()
    expect(result.result?.map((response) => response.text)).toEqual([
      'local daemon',
      expect.stringContaining('200'),
    ])
    expect(api.requests.length).toBe(before + 1)
    expect(result.outcome.recorded + result.outcome.replayed).toBe(0)
  } finally {
    local.close()
    rmSync(socketDir, { recursive: true, force: true })
  }
})

test('a miss in replay through axios fails with the miss error and its diff; gzip is decoded by axios and stored decoded', async () => {
  const dir = tempDir()
  const recorded = await session(dir, 'new', async () => {
    const gzip = await axios.get(`${api.url}/gzip.json`)
    const chat = await axios.post(`${api.url}/v1/chat/completions`, JSON.parse(chatBody('hello')))
    return [gzip.data, chat.data]
  })
  expect(recorded.result?.[0].encoding).toBe('gzip')
  const stored = readRecording(recorded.path).interactions[0]?.response
  expect(stored?.headers['content-encoding']).toBeUndefined()
  expect(stored?.body).toEqual(recorded.result?.[0])

  const missed = await session(dir, 'replay', async () => {
    await axios.get(`${api.url}/gzip.json`)
    return axios.post(`${api.url}/v1/chat/completions`, JSON.parse(chatBody('goodbye')))
  })
  // The client gets the miss answer (a 400 no SDK retries); the test fails with the miss error.
  expect((missed.thrown as any).response.status).toBe(400)
  expect((missed.thrown as any).response.headers['x-fetch-recordings-error']).toBe('RECORDING_MISS')
  expect(missed.error?.code).toBe('RECORDING_MISS')
  expect(missed.error?.message).toContain('body.messages[0].content: "hello" → "goodbye"')
})

test('secrets through axios: the authorization header, an api_key query parameter and a JSON api_key field never reach disk', async () => {
  const dir = tempDir()
  const secret = 'sk-node-http-secret-7781'
  const recorded = await session(dir, 'new', () =>
    axios.post(
      `${api.url}/v1/chat/completions?api_key=${secret}`,
      { ...JSON.parse(chatBody('secret')), api_key: secret },
      { headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret } },
    ),
  )
  expect(recorded.thrown).toBeUndefined()
  const text = readFileSync(recorded.path, 'utf8')
  expect(text).not.toContain(secret)
  expect(text).not.toContain('authorization')
  const replayed = await session(dir, 'replay', () =>
    axios.post(
      `${api.url}/v1/chat/completions?api_key=another-key-9912`,
      { ...JSON.parse(chatBody('secret')), api_key: 'another-key-9912' },
      { headers: { authorization: 'Bearer another-key-9912' } },
    ),
  )
  expect(replayed.thrown).toBeUndefined()
  expect(replayed.outcome.replayed).toBe(1)
})

test('concurrent requests of concurrent tests land in their own recordings', async () => {
  const dir = tempDir()
  const { createRecorder } = await import('../../src/index.js')
  const recorder = createRecorder({ env: {}, argv: [], rootDir: dir, mode: 'new' }).install()
  try {
    const runs = ['alpha', 'beta', 'gamma'].map((name) =>
      recorder.startTest({ testFile: join(dir, 'c.test.ts'), testName: name }),
    )
    await Promise.all(
      runs.map((run, index) =>
        run.run(async () => {
          for (let i = 0; i < 3; i++) {
            await new Promise((resolve) => setTimeout(resolve, (index * 7 + i * 3) % 10))
            await axios.post(
              `${api.url}/v1/chat/completions`,
              JSON.parse(chatBody(`${run.identity.testName} ${i}`)),
            )
          }
        }),
      ),
    )
    for (const run of runs) {
      const outcome = run.finish({ status: 'passed' })
      const contents = readRecording(outcome.path).interactions.map(
        (interaction) => (interaction.request.body as any).messages[0].content,
      )
      expect(contents).toEqual([0, 1, 2].map((i) => `${run.identity.testName} ${i}`))
    }
  } finally {
    await recorder.dispose()
  }
})

test('a response piped into a writable stream, on replay', async () => {
  const dir = tempDir()
  const fetchPiped = () =>
    new Promise<string>((resolve, reject) => {
      http
        .get(`${api.url}/binary`, (res) => {
          const sink = new PassThrough()
          const chunks: Buffer[] = []
          sink.on('data', (chunk: Buffer) => chunks.push(chunk))
          sink.on('end', () => resolve(Buffer.concat(chunks).toString('base64')))
          res.pipe(sink)
        })
        .on('error', reject)
    })
  const recorded = await session(dir, 'new', fetchPiped)
  const replayed = await session(dir, 'replay', fetchPiped)
  expect(replayed.result).toBe(recorded.result)
  expect(replayed.outcome.replayed).toBe(1)
  expect(Buffer.from(replayed.result ?? '', 'base64')).toHaveLength(4096)
})

test('blockNetwork covers node:http: a raw connection is refused; a request on its own createConnection is refused before it connects; an Agent request is a miss, never a socket', async () => {
  const dir = tempDir()
  const result = await session(
    dir,
    'replay',
    async () => {
      const raw = await new Promise<any>((resolve) => net.connect(81, '192.0.2.1').on('error', resolve))
      const escaped = await send('http://192.0.2.1:81/x', {
        createConnection: net.createConnection,
      } as any).catch((error) => error)
      const agentRequest = await send('http://192.0.2.1:81/y')
      return [raw.code, escaped.code, agentRequest.headers['x-fetch-recordings-error']]
    },
    { blockNetwork: true },
  )
  expect(result.result).toEqual(['NETWORK_BLOCKED', 'OWN_CONNECTION_REFUSED', 'RECORDING_MISS'])
})

test('replay: an http2 session to a remote host fails the test with the fix (NodeHttpHandler); loopback is untouched', async () => {
  const dir = tempDir()
  const result = await session(dir, 'replay', async () => {
    try {
      http2.connect('https://bedrock-runtime.us-east-1.amazonaws.com')
      return 'connected'
    } catch (error) {
      return (error as any).code
    }
  })
  expect(result.result).toBe('HTTP2_UNSUPPORTED')
  expect(result.error?.code).toBe('HTTP2_UNSUPPORTED')
  expect(result.error?.message).toContain('requestHandler: new NodeHttpHandler()')
  const local = await session(dir, 'replay', async () => {
    const client = http2.connect('http://127.0.0.1:1')
    client.on('error', () => {})
    client.destroy()
    return 'allowed'
  })
  expect(local.result).toBe('allowed')
})

test('new mode: a connection no transport saw is counted per host and named in the summary', async () => {
  const dir = tempDir()
  const result = await session(dir, 'new', async () => {
    // A raw socket (what an http2 or custom-TLS client opens): destroyed before it connects.
    const socket = net.connect(443, '192.0.2.7')
    socket.on('error', () => {})
    socket.destroy()
    await axios.get(`${api.url}/status/200`)
  })
  expect(result.outcome.bypassed).toEqual(['192.0.2.7'])
  const report = buildRunReport({
    mode: 'new',
    files: [],
    outcomes: [result.outcome],
    fullRun: false,
    roots: [],
    customLayout: true,
  })
  const summary = formatSummary(report, { rootDir: dir, updateCommand: 'x', pruneCommand: 'y', color: false })
  expect(summary).toContain('1 request(s) bypassed the recorder (192.0.2.7)')
})
