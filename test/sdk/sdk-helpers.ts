/**
 * One record → re-record → stop the server → replay cycle for SDK tests. The loopback fake API
 * mints fresh ids, times and random fields on every call, so a byte-identical re-record proves
 * the normalizer caught them all; the replay runs with no server at all.
 */
import { readFileSync } from 'node:fs'
import { afterEach, expect } from 'vitest'
import { session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

export const API_KEY = 'sk-test-0123456789abcdef'

const apis: FakeApi[] = []
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()))
})

export interface Cycle<T> {
  recorded: T
  replayed: T
  /** The recording file's text. */
  text: string
  path: string
  served: number
  api: FakeApi
}

/**
 * Records `fn` (mode update), records it again (the file must not change by a byte), stops
 * the server and replays it; the SDK's output is the same all three times.
 */
export async function recordTwiceThenReplay<T>(fn: (api: FakeApi) => Promise<T>): Promise<Cycle<T>> {
  const dir = tempDir('fr-sdk-')
  const api = await startFakeApi()
  apis.push(api)
  const first = await session(dir, 'update', () => fn(api))
  expect(first.thrown).toBeUndefined()
  expect(first.error).toBeUndefined()
  const text = readFileSync(first.path, 'utf8')
  const second = await session(dir, 'update', () => fn(api))
  expect(second.thrown).toBeUndefined()
  expect(second.outcome.change).toBe('none')
  expect(readFileSync(second.path, 'utf8')).toBe(text)
  expect(second.result).toEqual(first.result)
  const served = api.requests.length
  await api.close()
  const replayed = await session(dir, 'replay', () => fn(api))
  expect(replayed.thrown).toBeUndefined()
  expect(replayed.error).toBeUndefined()
  expect(api.requests.length).toBe(served)
  expect(replayed.result).toEqual(first.result)
  return { recorded: first.result as T, replayed: replayed.result as T, text, path: first.path, served, api }
}

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of stream) items.push(item)
  return items
}
