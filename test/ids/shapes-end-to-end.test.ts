/**
 * Client code that validates the shape of ids (an OpenAI file id's `file-` prefix and length,
 * a git commit sha as 40 lowercase hex) works on ids normalized by the library: while
 * recording, on a byte-identical re-record against a server that mints fresh ids, and on an
 * offline replay. The real SDK (openai@7 files) against the loopback fake API, and plain fetch
 * against a loopback git host that answers a commit only by its real sha.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

/** What a client that checks ids does before using one. */
function checked(id: string, shape: RegExp, what: string): string {
  if (!shape.test(id)) throw new Error(`not a valid ${what}: ${id}`)
  return id
}
const FILE_ID = /^file-[A-Za-z0-9]{24}$/
const SHA = /^[0-9a-f]{40}$/

/** A git host: every call mints a fresh commit (a new push), found again only by its real sha. */
const commits = new Set<string>()
let gitHits = 0
const git = createServer((req, res) => {
  gitHits++
  const sha = req.url?.match(/\/commits\/([0-9a-f]{40})$/)?.[1]
  res.setHeader('content-type', 'application/json')
  if (req.url === '/repos/acme/app/commits/HEAD') {
    const fresh = randomBytes(20).toString('hex')
    commits.add(fresh)
    return void res.end(JSON.stringify({ commit_id: fresh, sha: fresh, message: 'ship it' }))
  }
  if (sha && commits.has(sha)) return void res.end(JSON.stringify({ commit_id: sha, sha, verified: true }))
  res.statusCode = 404
  res.end(JSON.stringify({ message: 'No commit found for SHA' }))
})
let gitUrl = ''
let api: FakeApi
beforeAll(async () => {
  git.listen(0, '127.0.0.1')
  await new Promise((resolve) => git.once('listening', resolve))
  gitUrl = `http://127.0.0.1:${(git.address() as { port: number }).port}`
  api = await startFakeApi({ randomIds: true })
})
afterAll(() => git.close())

async function flow(apiUrl: string) {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${apiUrl}/v1`, maxRetries: 0 })
  const file = await client.files.create({
    file: await toFile(Buffer.from('the manual'), 'manual.txt'),
    purpose: 'assistants',
  })
  const again = await client.files.retrieve(checked(file.id, FILE_ID, 'file id'))
  const head = (await (await fetch(`${gitUrl}/repos/acme/app/commits/HEAD`)).json()) as Record<string, string>
  const sha = checked(String(head.commit_id), SHA, 'commit sha')
  const found = await fetch(`${gitUrl}/repos/acme/app/commits/${sha}`)
  return {
    fileId: file.id,
    retrieved: again.filename,
    sha,
    plainSha: head.sha,
    found: found.status,
    verified: ((await found.json()) as { verified?: boolean }).verified,
  }
}

describe('ids keep their shape through record, re-record and replay', () => {
  it('openai files and a git commit sha pass the shape checks of client code', async () => {
    const dir = tempDir('fr-shapes-')
    // `sha` is no id field by default: the option names it, and it is normalized like commit_id.
    const options = { normalizeIds: { fields: ['sha'] } }
    const first = await session(dir, 'update', () => flow(api.url), options)
    expect(first.thrown).toBeUndefined()
    const text = readFileSync(first.path, 'utf8')
    const second = await session(dir, 'update', () => flow(api.url), options)
    expect(second.thrown).toBeUndefined()
    // Fresh ids from both servers, yet the same file: normalized, deterministically.
    expect(readFileSync(second.path, 'utf8')).toBe(text)
    expect(second.result).toEqual(first.result)
    const recorded = first.result!
    expect(recorded.fileId).toMatch(FILE_ID)
    expect(recorded.sha).toMatch(SHA)
    expect(recorded.plainSha).toBe(recorded.sha)
    // The host answers only real shas: the normalized one went back to it as the real one.
    expect(recorded).toMatchObject({ retrieved: 'manual.txt', found: 200, verified: true })
    for (const real of commits) expect(text).not.toContain(real)

    const hits = gitHits
    const apiUrl = api.url
    await api.close()
    const replayed = await session(dir, 'replay', () => flow(apiUrl), options)
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.result).toEqual(recorded)
    expect(gitHits).toBe(hits)
  })
})
