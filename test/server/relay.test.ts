/**
 * Server mode through the core: a real app process started with the preload calls a loopback
 * fake OpenAI while handling the test's requests; the relay feeds those calls into this
 * process's recorder. Record, take the API offline, replay; a miss; two tests at once; and
 * everything the relay must refuse.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { parseTag, RELAY_PATH, TAG_HEADER } from '../../src/transports/relay/header.js'
import { PLAIN_APP, type RunningApp, startApp } from '../support/app-servers.js'
import {
  postJson,
  readChunks,
  readRecording,
  recordingErrorOf,
  session,
  tempDir,
} from '../support/core-helpers.js'
import { REPO } from '../support/jest-fixture.js'
import { StableApi } from '../support/vitest-fixture.js'

let api: StableApi
let app: RunningApp

beforeAll(async () => {
  api = await StableApi.start()
  const dir = tempDir('fr-app-')
  writeFileSync(join(dir, 'app.mjs'), PLAIN_APP)
  app = await startApp({
    cwd: dir,
    script: 'app.mjs',
    nodeArgs: ['--import', join(REPO, 'dist/server.js')],
    env: { OPENAI_URL: api.url },
  })
}, 60_000)

afterAll(async () => {
  await app?.stop()
  await api?.close()
})

async function streamFromApp(prompt: string) {
  const response = await fetch(`${app.url}/chat`, {
    method: 'POST',
    body: JSON.stringify({ prompt, stream: true }),
  })
  return { status: response.status, ...(await readChunks(response)) }
}

async function chatAndStream() {
  const json = await postJson(`${app.url}/chat`, { prompt: 'What is 2+2?' })
  const stream = await streamFromApp('Stream a haiku')
  return { json, stream }
}

describe('server mode through the relay', () => {
  it('records what the app requests into the calling test, and replays it with the API offline', async () => {
    await api.online()
    const dir = tempDir()
    const options = { appServers: [app.url] }
    const before = api.requests.length
    const recorded = await session(dir, 'new', chatAndStream, options)
    expect(recorded.error).toBeUndefined()
    expect(api.requests.length - before).toBe(2)
    expect(recorded.result?.json.json.choices[0].message.content).toBe('Echo: What is 2+2?')
    const file = readRecording(recorded.path)
    expect(file.interactions.map((i) => i.request.url)).toEqual([
      `${api.url}/v1/chat/completions`,
      `${api.url}/v1/chat/completions`,
    ])
    expect(file.interactions[1]?.response.is_streaming).toBe(true)
    // The app's API key travelled through the relay and never reached the file.
    expect(readFileSync(recorded.path, 'utf8')).not.toContain('sk-app-secret')
    // The tag and the relay's own headers are not part of the app's request.
    expect(JSON.stringify(file)).not.toContain('x-fetch-recordings')

    await api.offline()
    const replayed = await session(dir, 'replay', chatAndStream, options)
    expect(replayed.error).toBeUndefined()
    expect(replayed.result?.json).toEqual(recorded.result?.json)
    expect(replayed.result?.stream.text).toBe(recorded.result?.stream.text)
    expect(replayed.outcome.replayed).toBe(2)
    // Replay streams: the app read the answer one event per read (6 words, the stop chunk, [DONE]).
    const appReads = [...app.output().matchAll(/stream reads (\d+)/g)].map((m) => Number(m[1]))
    expect(appReads.at(-1)).toBe(8)
    console.log(
      `app reads of the stream: recorded ${appReads.at(-2)}, replayed ${appReads.at(-1)} (8 events); the test's reads of the app: ${recorded.result?.stream.reads}, ${replayed.result?.stream.reads}`,
    )

    const changed = await session(
      dir,
      'replay',
      () => postJson(`${app.url}/chat`, { prompt: 'What is 3+3?' }),
      options,
    )
    // The app got an error answer it could handle; the test fails with the diff.
    expect(changed.result?.status).toBe(502)
    expect(changed.result?.json.error.code).toBe('RECORDING_MISS')
    expect(changed.error?.code).toBe('RECORDING_MISS')
    expect(changed.error?.message).toContain('body.messages[0].content: "What is 2+2?" → "What is 3+3?"')
    await api.online()
  }, 60_000)

  it('gives each of two concurrent tests its own requests', async () => {
    await api.online()
    const dir = tempDir()
    const recorder = createRecorder({ env: {}, argv: [], rootDir: dir, mode: 'new', appServers: [app.url] })
    recorder.install()
    try {
      const runs = ['alpha', 'beta'].map((name) =>
        recorder.startTest({ testFile: join(dir, 'c.test.ts'), testName: name }),
      )
      const answers = await Promise.all(
        runs.map((run, i) =>
          run.run(async () => {
            const first = await streamFromApp(`first ${i}`)
            const second = await postJson(`${app.url}/chat`, { prompt: `second ${i}` })
            return [first.text, second.json.choices[0].message.content]
          }),
        ),
      )
      expect(answers[1]?.[1]).toBe('Echo: second 1')
      for (const [i, run] of runs.entries()) {
        const outcome = run.finish({ status: 'passed' })
        const prompts = readRecording(outcome.path).interactions.map(
          (x: any) => x.request.body.messages[0].content,
        )
        expect(prompts).toEqual([`first ${i}`, `second ${i}`])
      }
    } finally {
      await recorder.dispose()
    }
  }, 60_000)

  it('leaves the app alone without appServers: its requests reach the network, nothing is recorded', async () => {
    await api.online()
    const dir = tempDir()
    const before = api.requests.length
    const result = await session(dir, 'replay', () => postJson(`${app.url}/chat`, { prompt: 'untagged' }), {
      passthrough: [app.url],
    })
    expect(result.result?.json.choices[0].message.content).toBe('Echo: untagged')
    expect(api.requests.length - before).toBe(1)
    expect(existsSync(result.path)).toBe(false)
  }, 30_000)

  it('refuses relayed requests without the token, to other paths, or for unknown tests', async () => {
    const seen: IncomingHttpHeaders[] = []
    const capture = createServer((req, res) => {
      seen.push(req.headers)
      res.end('ok')
    })
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve))
    const captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`
    let relayOrigin: string | undefined
    const dir = tempDir()
    try {
      await session(
        dir,
        'replay',
        async () => {
          await (await fetch(`${captureUrl}/x`)).text()
          const parsed = parseTag(seen[0]?.[TAG_HEADER])
          if (!parsed || !('tag' in parsed)) throw new Error(`no tag: ${JSON.stringify(seen[0])}`)
          const { relay, token, test } = parsed.tag
          const relayUrl = `http://${relay}${RELAY_PATH}`
          relayOrigin = `http://${relay}`
          // Straight to the relay (passthrough below): this test plays a hostile client.
          const post = (url: string, headers: Record<string, string>) =>
            fetch(url, { method: 'POST', headers, body: '{}' }).then(async (r) => ({
              status: r.status,
              text: await r.text(),
            }))
          const target = { 'x-fetch-recordings-relay-target': `${api.url}/v1/models` }
          expect((await post(relayUrl, { ...target, 'x-fetch-recordings-relay-test': test })).status).toBe(
            403,
          )
          const wrongToken = token.replace(/^./, token[0] === 'a' ? 'b' : 'a')
          expect(
            (
              await post(relayUrl, {
                ...target,
                'x-fetch-recordings-relay-token': wrongToken,
                'x-fetch-recordings-relay-test': test,
              })
            ).status,
          ).toBe(403)
          expect(
            (await post(`http://${relay}/other`, { 'x-fetch-recordings-relay-token': token })).status,
          ).toBe(404)
          const unknown = await post(relayUrl, {
            ...target,
            'x-fetch-recordings-relay-token': token,
            'x-fetch-recordings-relay-test': 'f'.repeat(32),
          })
          expect(unknown.status).toBe(400)
          expect(JSON.parse(unknown.text).error.code).toBe('RELAY_REFUSED')
        },
        {
          appServers: [captureUrl],
          passthrough: ({ url }) => relayOrigin !== undefined && url.startsWith(relayOrigin),
        },
      ).then((result) => {
        if (result.thrown) throw result.thrown
        expect(recordingErrorOf(result.thrown)).toBeUndefined()
      })
    } finally {
      capture.close()
    }
  }, 30_000)

  it('ignores a header pointing the relay anywhere but 127.0.0.1, or of another version', async () => {
    expect(parseTag(`1;relay=10.0.0.5:4000;token=${'a'.repeat(64)};test=${'b'.repeat(32)}`)).toEqual({
      unsupported: 'relay address "10.0.0.5:4000" is not 127.0.0.1:<port>',
    })
    expect(parseTag('2;relay=127.0.0.1:4000')).toMatchObject({
      unsupported: expect.stringContaining('version "2"'),
    })
    await api.online()
    const before = api.requests.length
    const forged = `1;relay=localhost.evil:80;token=${'a'.repeat(64)};test=${'b'.repeat(32)}`
    const result = await postJson(`${app.url}/chat`, { prompt: 'forged' }, { [TAG_HEADER]: forged })
    expect(result.json.choices[0].message.content).toBe('Echo: forged')
    expect(api.requests.length - before).toBe(1)
    expect(app.output()).toContain('ignores a x-fetch-recordings-test header')
  }, 30_000)
})
