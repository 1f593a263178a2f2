/**
 * With the library and without it, a test sees the same data apart from ids: tool names with
 * an id's prefix still dispatch, an ephemeral key's expiry is still ahead, the client's own
 * ids come back as sent. The server answers the same bytes to the same requests
 * (randomIds:false), so the only differences allowed are the normalized ids, mapped back
 * through the file's id_normalization_mapping.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

let api: FakeApi | undefined
afterEach(async () => {
  await api?.close()
  api = undefined
})

async function post(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return response.json()
}

const tool = (name: string) => [{ type: 'function', function: { name, parameters: { type: 'object' } } }]
const MY_CALL_ID = 'call_Q7w8E9r0T1y2U3i4O5p6'

async function flow(base: string) {
  const diagnostics = await post(`${base}/v1/chat/completions`, {
    model: 'gpt-4o',
    tools: tool('run_diagnostics'),
    messages: [{ role: 'user', content: 'check the disk' }],
  })
  const uploader = await post(`${base}/v1/chat/completions`, {
    model: 'gpt-4o',
    tools: tool('file_uploader'),
    messages: [{ role: 'user', content: 'upload it' }],
  })
  // A conversation the test wrote itself, with its own tool call id.
  const ownId = await post(`${base}/v1/chat/completions`, {
    model: 'gpt-4o',
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', tool_calls: [{ id: MY_CALL_ID, type: 'function', function: { name: 'x' } }] },
      { role: 'tool', tool_call_id: MY_CALL_ID, content: 'done' },
    ],
  })
  const key = await post(`${base}/v1/realtime/client_secrets`, { session: { model: 'gpt-realtime' } })
  return { diagnostics, uploader, ownId, key }
}

describe('data the library must not touch', () => {
  it('is the same with and without the library, apart from ids', async () => {
    api = await startFakeApi({ randomIds: false })
    const without = await flow(api.url)
    const dir = tempDir('fr-data-')
    const withLibrary = await session(dir, 'new', () => flow(api!.url), {
      normalizeIds: { keepMapping: true },
    })
    expect(withLibrary.error).toBeUndefined()
    const seen = withLibrary.result!

    // While recording: tools dispatch by their names, the key is not expired.
    expect(seen.diagnostics.choices[0].message.tool_calls[0].function.name).toBe('run_diagnostics')
    expect(seen.uploader.choices[0].message.tool_calls[0].function.name).toBe('file_uploader')
    expect(seen.ownId.choices[0].message.content).toContain(MY_CALL_ID)
    expect(seen.key.expires_at).toBeGreaterThan(Date.now() / 1000 + 500)

    // Apart from the ids it minted, the library changed nothing the test reads.
    const file = JSON.parse(readFileSync(withLibrary.path, 'utf8'))
    let text = JSON.stringify(seen)
    for (const interaction of file.interactions)
      for (const [normalized, real] of Object.entries(interaction.id_normalization_mapping))
        text = text.split(normalized).join(real as string)
    const restored = JSON.parse(text)
    // The key's expiry moved with the clock between the two runs: compare it as "still ahead".
    expect(restored.key.expires_at - without.key.expires_at).toBeLessThan(60)
    restored.key.expires_at = without.key.expires_at
    expect(restored).toEqual(without)
    // And ids were normalized (the comparison above is not vacuous).
    expect(seen.diagnostics.id).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/)
    const minted = file.interactions.flatMap((interaction: { id_normalization_mapping: object }) =>
      Object.keys(interaction.id_normalization_mapping),
    )
    expect(minted).toContain(seen.diagnostics.id)
    expect(seen.key.session.id).not.toBe(without.key.session.id)
  })
})
