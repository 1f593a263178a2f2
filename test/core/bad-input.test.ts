/**
 * Bad input: broken recording files, misses, hostile test names, secrets. Every error reaches
 * the test as a RecordingError with a stable code and a message that says what to do.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, sep } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultRecordingPath } from '../../src/index.js'
import {
  allFiles,
  chat,
  postJson,
  readRecording,
  recordingFolder,
  session,
  TEST_FILE,
  tempDir,
} from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

const apis: FakeApi[] = []
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()))
})

async function fakeApi(): Promise<FakeApi> {
  const api = await startFakeApi()
  apis.push(api)
  return api
}

describe('broken recording files', () => {
  /** A folder with a valid recording for "good" and `text` as the recording of "bad". */
  async function folderWith(text: (validText: string) => string) {
    const dir = tempDir()
    const api = await fakeApi()
    const ask = () => postJson(`${api.url}/v1/chat/completions`, chat('broken?'))
    const good = await session(dir, 'new', ask, { testName: 'good' })
    const validText = readFileSync(good.path, 'utf8')
    const badPath = defaultRecordingPath({ testFile: join(dir, TEST_FILE), testName: 'bad' })
    writeFileSync(badPath, text(validText))
    await api.close()
    return { dir, ask, good, badPath }
  }

  async function expectBroken(
    text: (validText: string) => string,
    code: string,
    mentions: (string | RegExp)[],
    mode: 'replay' | 'new' = 'replay',
  ) {
    const { dir, ask, good, badPath } = await folderWith(text)
    const before = readFileSync(badPath, 'utf8')
    const bad = await session(dir, mode, ask, { testName: 'bad' })
    const error = bad.error // the test fails with it, whatever the client made of its answer
    // The client got an error answer that no SDK retries, carrying the same explanation.
    expect(bad.result).toEqual({
      status: 400,
      json: { error: { code, message: error?.message, type: 'fetch_recordings_error' } },
    })
    expect(error?.code).toBe(code)
    expect(error?.message).toMatch(/^\[fetch-recordings\] /)
    expect(error?.message).toContain(badPath)
    for (const mention of mentions) expect(error?.message).toMatch(mention)
    expect(readFileSync(badPath, 'utf8')).toBe(before) // never overwritten
    // The other test of the same folder still replays.
    const other = await session(dir, 'replay', ask, { testName: 'good' })
    expect(other.thrown).toBeUndefined()
    expect(other.error).toBeUndefined()
    expect(other.result).toEqual(good.result)
    return error
  }

  it('invalid JSON (a merge conflict) names the file and line:col', async () => {
    await expectBroken(
      (valid) => valid.replace('  "interactions": [', '<<<<<<< HEAD\n  "interactions": ['),
      'RECORDING_INVALID_JSON',
      [/\.json:4:1 is not valid JSON/, /UPDATE_RECORDINGS=1/],
    )
  })

  it('a cut-off file names the end position', async () => {
    await expectBroken((valid) => valid.slice(0, 40), 'RECORDING_INVALID_JSON', [
      /\.json:3:\d+ is not valid JSON/,
    ])
  })

  it('invalid JSON also fails the test in mode new, without recording over it', async () => {
    await expectBroken((valid) => `${valid}}`, 'RECORDING_INVALID_JSON', [/\.json:\d+:\d+/], 'new')
  })

  it('an unknown format', async () => {
    await expectBroken(
      (valid) => valid.replace('"fetch-recordings/1"', '"fetch-recordings/9"'),
      'RECORDING_INVALID_FORMAT',
      ['"format"', '"fetch-recordings/9"', 'fetch-recordings/1'],
    )
  })

  it('a malformed interaction names the field', async () => {
    await expectBroken(
      (valid) => valid.replace('"status": 200', '"status": "200"'),
      'RECORDING_INVALID_FORMAT',
      ['interactions[0].response.status'],
    )
  })

  it('an interaction with a bad body encoding names the field', async () => {
    await expectBroken(
      (valid) => valid.replace('"body_encoding": "json"', '"body_encoding": "yaml"'),
      'RECORDING_INVALID_FORMAT',
      ['interactions[0].request.body_encoding', '"yaml"'],
    )
  })
})

describe('a miss in replay', () => {
  it('names request, test, file, mode, the closest request as a structural diff, and the fix', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    await session(dir, 'new', async () => {
      await postJson(`${api.url}/v1/responses`, { model: 'gpt-4o', input: 'other' })
      await postJson(`${api.url}/v1/chat/completions`, chat('hi'))
    })
    const replayed = await session(dir, 'replay', () =>
      postJson(`${api.url}/v1/chat/completions`, chat('hello')),
    )
    const error = replayed.error
    expect(error?.code).toBe('RECORDING_MISS')
    expect(replayed.result?.status).toBe(400)
    expect(replayed.result?.json.error.message).toBe(error?.message)
    const message = error!.message
    expect(message).toMatch(/^\[fetch-recordings\] No recorded response matches this request\./)
    expect(message).toContain(`request: POST ${api.url}/v1/chat/completions model=gpt-4o-mini`)
    expect(message).toContain('test:    case.test.ts > suite > case')
    expect(message).toContain(`file:    ${replayed.path}`)
    expect(message).toContain('mode:    replay')
    expect(message).toContain('body.messages[0].content: "hi" → "hello"')
    expect(message).not.toContain('/v1/responses') // the closest one is the chat request
    expect(message).toMatch(/UPDATE_RECORDINGS=1[\s\S]*FETCH_RECORDINGS=new/)
    expect(api.requests).toHaveLength(2) // the miss never reached the network
  })

  it('without any recording says so', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const replayed = await session(dir, 'replay', () =>
      postJson(`${api.url}/v1/chat/completions`, chat('hi')),
    )
    expect(replayed.error?.message).toContain('holds no requests for this test')
    expect(api.requests).toHaveLength(0)
  })
})

describe('hostile test names', () => {
  const names = [
    'a/b',
    'a\\b',
    'a-b',
    'a:b',
    'a*b',
    'a?b',
    '../../escape',
    '..',
    '.',
    'nul\u0000byte',
    'emoji 🎉 test',
    'Case',
    'case',
    'CON',
    'describe > test [gpt-4o]',
    'describe › test',
    ' ',
    'x'.repeat(500),
    `${'x'.repeat(500)}y`,
  ]

  it('each gets its own file inside __recordings__, and its name round-trips through test_id', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const folder = recordingFolder(dir)
    const paths = new Set<string>()
    const answers: unknown[] = []
    for (const [index, testName] of names.entries()) {
      const recorded = await session(
        dir,
        'new',
        () => postJson(`${api.url}/v1/chat/completions`, chat(`name ${index}`)),
        { testName },
      )
      expect(recorded.outcome.change, JSON.stringify(testName)).toBe('created')
      expect(dirname(recorded.path)).toBe(folder)
      expect(recorded.path.startsWith(folder + sep)).toBe(true)
      expect(Buffer.byteLength(basename(recorded.path))).toBeLessThanOrEqual(120)
      expect(basename(recorded.path)).toMatch(/^[A-Za-z0-9._-]+\.json$/)
      expect(readRecording(recorded.path).test_id).toBe(`${TEST_FILE} > ${testName}`)
      paths.add(recorded.path.toLowerCase()) // distinct on case-insensitive file systems too
      answers.push(recorded.result)
    }
    expect(paths.size).toBe(names.length)
    expect(allFiles(dir).filter((path) => !path.startsWith(folder + sep))).toEqual([])
    await api.close()
    for (const [index, testName] of names.entries()) {
      const replayed = await session(
        dir,
        'replay',
        () => postJson(`${api.url}/v1/chat/completions`, chat(`name ${index}`)),
        { testName },
      )
      expect(replayed.error, JSON.stringify(testName)).toBeUndefined()
      expect(replayed.result).toEqual(answers[index])
    }
  })
})

describe('secrets never reach disk', () => {
  const BEARER = 'sk-live-AUTH0123456789abcdefSECRET'
  const X_API_KEY = 'sk-ant-XAPI0123456789abcdefSECRET'
  const AZURE_KEY = 'azure0123456789abcdefSECRETKEY'
  const QUERY_KEY = 'AIzaQUERY0123456789abcdefSECRET'
  const ENV_TOKEN = 'envtok-0123456789abcdefSECRET'
  const ALL = [BEARER, X_API_KEY, AZURE_KEY, QUERY_KEY, ENV_TOKEN]

  function traffic(api: FakeApi, keys: { bearer: string; xApiKey: string; azure: string; query: string }) {
    return async () => {
      const echoed: any[] = []
      echoed.push(
        await (
          await fetch(`${api.url}/echo-key`, { headers: { authorization: `Bearer ${keys.bearer}` } })
        ).json(),
      )
      echoed.push(
        await (await fetch(`${api.url}/echo-key`, { headers: { 'X-Api-Key': keys.xApiKey } })).json(),
      )
      echoed.push(await (await fetch(`${api.url}/echo-key?key=${keys.query}&alt=json`)).json())
      const chatAnswer = await postJson(`${api.url}/v1/chat/completions`, chat('who am i'), {
        'api-key': keys.azure,
        authorization: `Bearer ${keys.bearer}`,
      })
      return { echoed, chat: chatAnswer.json }
    }
  }

  it('auth headers, api-key headers, ?key= and keys echoed in bodies are redacted everywhere', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const recorded = await session(
      dir,
      'new',
      traffic(api, { bearer: BEARER, xApiKey: X_API_KEY, azure: AZURE_KEY, query: QUERY_KEY }),
      { env: { SOME_SERVICE_TOKEN: ENV_TOKEN } },
    )
    expect(recorded.error).toBeUndefined()
    // The test itself saw the real values (recording is transparent).
    expect(recorded.result!.echoed[0].authorization).toBe(`Bearer ${BEARER}`)
    expect(recorded.outcome.redactions).toBeGreaterThanOrEqual(3)
    const files = allFiles(dir)
    expect(files.length).toBeGreaterThan(0)
    for (const path of files) {
      const bytes = readFileSync(path)
      for (const secret of ALL) {
        for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)]) {
          expect(bytes.includes(form), `${form} in ${path}`).toBe(false)
        }
      }
    }
    const file = readRecording(recorded.path)
    for (const interaction of file.interactions) {
      expect(Object.keys(interaction.request.headers)).not.toContain('authorization')
      expect(interaction.request.url).not.toMatch(/[?&]key=/)
    }
    expect(file.interactions[2]!.request.url).toBe(`${api.url}/echo-key?alt=json`)
    expect(JSON.stringify(file.interactions[0]!.response.body)).toContain('[redacted]')

    // Replay matches without the keys (CI has none, or other ones), and serves the redacted echo.
    await api.close()
    const replayed = await session(
      dir,
      'replay',
      traffic(api, {
        bearer: 'sk-ci-dummy-000000',
        xApiKey: 'sk-ci-dummy-111111',
        azure: 'x',
        query: 'q-ci-dummy-2222',
      }),
    )
    expect(replayed.error).toBeUndefined()
    expect(replayed.result!.echoed[0].authorization).toContain('[redacted]')
    expect(replayed.result!.chat).toEqual(recorded.result!.chat)
  })

  it('a secret from the environment inside a URL path is redacted and the request still replays', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    // Like Telegram's /bot<token>/getMe: the token is part of the path.
    const ask = async () => {
      const response = await fetch(`${api.url}/bot${ENV_TOKEN}/getMe?chat=${ENV_TOKEN}`)
      return { status: response.status, json: (await response.json()) as any }
    }
    const env = { TELEGRAM_BOT_TOKEN: ENV_TOKEN }
    const recorded = await session(dir, 'new', ask, { env })
    // The fake answers 404 naming the path: the token is in the URL and in the response body.
    expect(recorded.result!.status).toBe(404)
    expect(recorded.result!.json.error.message).toContain(ENV_TOKEN)
    expect(recorded.outcome.redactions).toBe(1)
    for (const path of allFiles(dir)) expect(readFileSync(path, 'utf8')).not.toContain(ENV_TOKEN)
    const { request } = readRecording(recorded.path).interactions[0]!
    expect(request.endpoint).toBe('/bot[redacted]/getMe')
    await api.close()
    const replayed = await session(dir, 'replay', ask, { env })
    expect(replayed.error).toBeUndefined()
    expect(replayed.result!.status).toBe(404)
    expect(replayed.result!.json.error.message).toContain('[redacted]')
  })

  it('matchHeaders refuses a secret header', async () => {
    const dir = tempDir()
    await expect(
      session(dir, 'replay', async () => 1, { matchHeaders: ['Authorization'] }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    })
  })
})
