/**
 * update mode, failed test: the recording is kept as it was, and the outcome says why (the
 * first error answer re-recorded). A re-record during an outage failed its test and wrote the
 * 500 over the good answer before (`1 updated`; replay then failed with REPLAYED_ERROR_ANSWER).
 * keepFailedRecordings writes anyway; a test that passes with an error answer it expects still
 * records it.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, postJson, readRecording, session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

let api: FakeApi
beforeAll(async () => {
  api = await startFakeApi({ randomIds: false })
})
afterAll(async () => {
  await api?.close()
})

const ask = () => async () => {
  const response = await postJson(`${api.url}/v1/chat/completions`, chat('good data'))
  if (response.status !== 200) throw new Error(`status ${response.status}`)
  return response.status
}

async function recordGood(dir: string): Promise<string> {
  api.options.outage = false
  const recorded = await session(dir, 'new', ask())
  expect(recorded.outcome.change).toBe('created')
  return readFileSync(recorded.path, 'utf8')
}

describe('update mode: a failed test keeps the recording it had', () => {
  it('an outage while re-recording: the 500 is not written, the outcome says why', async () => {
    const dir = tempDir()
    const good = await recordGood(dir)
    api.options.outage = true
    const rerecorded = await session(dir, 'update', ask())
    api.options.outage = false
    expect(rerecorded.thrown).toBeInstanceOf(Error)
    expect(rerecorded.outcome).toMatchObject({
      status: 'failed',
      recorded: 1,
      change: 'none',
      kept: `500 from POST ${api.url}/v1/chat/completions`,
    })
    expect(readFileSync(rerecorded.path, 'utf8')).toBe(good)
  })

  it('keepFailedRecordings: the failed re-record replaces its entry, as before', async () => {
    const dir = tempDir()
    await recordGood(dir)
    api.options.outage = true
    const rerecorded = await session(dir, 'update', ask(), { keepFailedRecordings: true })
    api.options.outage = false
    expect(rerecorded.outcome).toMatchObject({ change: 'updated' })
    expect(rerecorded.outcome.kept).toBeUndefined()
    expect(readRecording(rerecorded.path).interactions.map((entry) => entry.response.status)).toEqual([500])
  })

  it('a failed test with no recording yet writes nothing and counts it as not kept', async () => {
    const dir = tempDir()
    api.options.outage = true
    const first = await session(dir, 'update', ask())
    api.options.outage = false
    expect(first.outcome).toMatchObject({ change: 'none', discarded: 1 })
    expect(first.outcome.kept).toBeUndefined()
  })

  it('a test that passes with the error answer it expects records it', async () => {
    const dir = tempDir()
    await recordGood(dir)
    api.options.outage = true
    const expected = await session(dir, 'update', () =>
      postJson(`${api.url}/v1/chat/completions`, chat('good data')).then((response) => response.status),
    )
    api.options.outage = false
    expect(expected.result).toBe(500)
    expect(expected.outcome).toMatchObject({ status: 'passed', change: 'updated' })
    expect(readRecording(expected.path).interactions[0]?.response.status).toBe(500)
  })
})
