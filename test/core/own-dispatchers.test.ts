/**
 * Requests that bring their own dispatcher (transports/own-dispatchers.ts): `fetch(url, {
 * dispatcher })`, `undici.request(url, { dispatcher })` and the SDKs' `fetchOptions.dispatcher`,
 * with the dispatchers and SDK clients constructed before the recorder is installed. They are
 * recorded through that dispatcher (a real loopback CONNECT proxy sees the traffic), their
 * secrets never reach disk, and in replay nothing leaves the process: the proxy sees nothing.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { Agent, Client, interceptors, MockAgent, Pool, ProxyAgent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js'
import { readRecording, session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

const API_KEY = 'sk-test-owndispatcher-0123456789'
const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

function chatBody(content: string, extra: object = {}): string {
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra })
}

/** Every kind of own-dispatcher request, made with clients built before any install. */
function clientsFor(api: FakeApi, proxy: ConnectProxy) {
  const viaProxy = new ProxyAgent(proxy.url)
  const withTimeouts = new Agent({ headersTimeout: 30_000, bodyTimeout: 30_000 })
  const openai = new OpenAI({
    apiKey: API_KEY,
    baseURL: `${api.url}/v1`,
    maxRetries: 0,
    fetchOptions: { dispatcher: viaProxy } as never,
  })
  const anthropic = new Anthropic({
    apiKey: API_KEY,
    baseURL: api.url,
    maxRetries: 0,
    fetchOptions: { dispatcher: withTimeouts } as never,
  })
  closers.push(
    () => viaProxy.destroy(),
    () => withTimeouts.destroy(),
  )
  return async () => {
    const viaFetch = await fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: chatBody('fetch through the proxy'),
      dispatcher: viaProxy,
    } as unknown as RequestInit)
    const viaRequest = await request(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: chatBody('undici.request with an agent'),
      dispatcher: withTimeouts,
    })
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'openai through the proxy' }],
      stream: true,
    })
    let streamed = ''
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? ''
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'anthropic with timeouts' }],
    })
    return {
      fetch: ((await viaFetch.json()) as any).choices[0].message.content,
      request: ((await viaRequest.body.json()) as any).choices[0].message.content,
      openai: streamed,
      anthropic: (message.content[0] as { text: string }).text,
    }
  }
}

describe('requests with their own dispatcher', () => {
  it('are recorded through that dispatcher, and replayed with nothing leaving the process', async () => {
    const dir = tempDir('fr-own-')
    const api = await startFakeApi()
    const proxy = await startConnectProxy()
    closers.push(
      () => api.close(),
      () => proxy.close(),
    )
    const run = clientsFor(api, proxy)

    const recorded = await session(dir, 'new', run)
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.outcome).toMatchObject({ recorded: 4, change: 'created' })
    expect(recorded.result).toEqual({
      fetch: 'Echo: fetch through the proxy',
      request: 'Echo: undici.request with an agent',
      openai: 'Echo: openai through the proxy',
      anthropic: expect.stringContaining('anthropic with timeouts'),
    })
    // The ProxyAgent kept working: the proxy carried its requests to the API.
    expect(proxy.tunnels.length).toBeGreaterThan(0)
    expect(api.requests).toHaveLength(4)
    const file = readRecording(recorded.path)
    expect(file.interactions.map((i) => (i.request.body as any).messages[0].content)).toEqual([
      'fetch through the proxy',
      'undici.request with an agent',
      'openai through the proxy',
      'anthropic with timeouts',
    ])
    expect(JSON.stringify(file)).not.toContain(API_KEY)

    const tunnelsAfterRecording = proxy.tunnels.length
    const replayed = await session(dir, 'replay', run)
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toEqual(recorded.result)
    expect(replayed.outcome).toMatchObject({ replayed: 4, recorded: 0 })
    expect(api.requests).toHaveLength(4)
    expect(proxy.tunnels).toHaveLength(tunnelsAfterRecording)
  })

  it('a miss in replay fails with RECORDING_MISS and reaches neither the proxy nor the API', async () => {
    const dir = tempDir('fr-own-')
    const api = await startFakeApi()
    const proxy = await startConnectProxy()
    const viaProxy = new ProxyAgent(proxy.url)
    closers.push(
      () => api.close(),
      () => proxy.close(),
      () => viaProxy.destroy(),
    )
    const replayed = await session(dir, 'replay', () =>
      fetch(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chatBody('never recorded'),
        dispatcher: viaProxy,
      } as unknown as RequestInit),
    )
    // Answered at once with an error answer no SDK retries (docs/modes.md); the test fails with the miss.
    expect((replayed.result as Response).status).toBe(400)
    expect((replayed.result as Response).headers.get('x-fetch-recordings-error')).toBe('RECORDING_MISS')
    expect(replayed.error?.code).toBe('RECORDING_MISS')
    expect(api.requests).toHaveLength(0)
    expect(proxy.tunnels).toHaveLength(0)
  })

  it('a Pool or a Client asked directly (no origin in the options) is recorded and replayed too', async () => {
    const dir = tempDir('fr-own-')
    const api = await startFakeApi({ randomIds: false })
    closers.push(() => api.close())
    const ask = async () => {
      const pool = new Pool(api.url)
      const client = new Client(api.url).compose(interceptors.retry())
      try {
        const answers = []
        for (const [dispatcher, content] of [
          [pool, 'asked a Pool'],
          [client, 'asked a composed Client'],
        ] as const) {
          const response = await dispatcher.request({
            path: '/v1/chat/completions',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: chatBody(content),
          })
          answers.push(((await response.body.json()) as any).choices[0].message.content)
        }
        return answers
      } finally {
        await pool.close()
        await client.close()
      }
    }
    const recorded = await session(dir, 'new', ask)
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.outcome).toMatchObject({ recorded: 2 })
    expect(recorded.result).toEqual(['Echo: asked a Pool', 'Echo: asked a composed Client'])
    await api.close()
    const replayed = await session(dir, 'replay', ask)
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.result).toEqual(recorded.result)
    expect(api.requests).toHaveLength(2)
  })

  it("undici's MockAgent stays the test's own double: answered by it, never recorded", async () => {
    const dir = tempDir('fr-own-')
    const mock = new MockAgent()
    mock.disableNetConnect()
    mock.get('http://api.invalid').intercept({ path: '/mocked' }).reply(200, 'from the mock')
    closers.push(() => mock.close())
    const recorded = await session(dir, 'new', async () =>
      (await fetch('http://api.invalid/mocked', { dispatcher: mock } as unknown as RequestInit)).text(),
    )
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.result).toBe('from the mock')
    expect(recorded.outcome).toMatchObject({ recorded: 0, change: 'none' })
  })

  it('dispose takes the patches out: the dispatcher is undici’s own again', async () => {
    const dispatch = Agent.prototype.dispatch
    const proxyDispatch = ProxyAgent.prototype.dispatch
    await session(tempDir('fr-own-'), 'replay', async () => new Agent().close())
    expect(Agent.prototype.dispatch).toBe(dispatch)
    expect(ProxyAgent.prototype.dispatch).toBe(proxyDispatch)
  })
})
