/**
 * `fetch-recordings show` end to end, through the built CLI: one golden text per provider
 * (conversations recorded by the real SDKs against the loopback fake APIs, plus the committed
 * tool-use fixture), every committed recording of the repository shown without error, colour
 * only on request, help, bad arguments, and the --html page opened in a real headless Chromium.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { findRecordingFiles } from '../../src/files/find-recordings.js'
import { startFakeApi } from '../support/fake-apis.js'
import { REPO } from '../support/jest-fixture.js'
import { CONVERSATIONS, recordConversations } from './show-recordings.js'

const CLI = join(REPO, 'dist/cli.js')
const FIXTURES = join(REPO, 'test/cli/fixtures')
const CHROMIUM = '/usr/bin/chromium'

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  if (!options.env?.FORCE_COLOR) delete env.FORCE_COLOR
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    env,
  })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

let dir: string
let paths: Record<string, string>

beforeAll(async () => {
  const api = await startFakeApi()
  dir = mkdtempSync(join(tmpdir(), 'fr-show-'))
  try {
    paths = await recordConversations(dir, api)
  } finally {
    await api.close()
  }
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('fetch-recordings show', () => {
  test.each(Object.keys(CONVERSATIONS))('golden text: %s', async (name) => {
    const shown = cli(['show', relative(dir, paths[name] as string)], { cwd: dir })
    expect(shown.err).toBe('')
    expect(shown.code).toBe(0)
    await expect(shown.out).toMatchFileSnapshot(`golden/${name}.txt`)
  })

  test('golden text: tool use, errors and binary across providers (committed fixture)', async () => {
    const shown = cli(['show', 'fixtures'], { cwd: join(REPO, 'test/cli') })
    expect(shown.code, shown.err).toBe(0)
    await expect(shown.out).toMatchFileSnapshot('golden/tools-fixture.txt')
  })

  test('every committed recording (examples/, test fixtures) is shown without error', () => {
    const files = findRecordingFiles([join(REPO, 'examples'), join(REPO, 'test')])
    expect(files.length).toBeGreaterThanOrEqual(6)
    const shown = cli(['show', 'examples', 'test'])
    expect(shown.err).toBe('')
    expect(shown.code).toBe(0)
    for (const file of files) {
      const { test_id } = JSON.parse(readFileSync(file, 'utf8'))
      expect(shown.out).toContain(relative(REPO, file))
      expect(shown.out).toContain(`test: ${test_id}`)
    }
    expect(shown.out).not.toContain('unreadable')
  })

  test('a test file names its own recordings; colour only on a terminal or FORCE_COLOR', () => {
    const byTestFile = cli(['show', 'examples/demo/test/assistant.test.ts'])
    expect(byTestFile.code, byTestFile.err).toBe(0)
    expect(byTestFile.out).toContain('assistant > streams with Anthropic [claude-opus-4-5]')
    expect(stripVTControlCharacters(byTestFile.out)).toBe(byTestFile.out)
    const coloured = cli(['show', 'examples/demo/test/assistant.test.ts'], { env: { FORCE_COLOR: '1' } })
    expect(stripVTControlCharacters(coloured.out)).not.toBe(coloured.out)
    expect(stripVTControlCharacters(coloured.out)).toBe(byTestFile.out)
  })

  test('bad arguments and files are named, with the fix', () => {
    const missing = cli(['show', 'nowhere.json'])
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('nowhere.json does not exist')
    const noRecordings = cli(['show', 'package.json.md'])
    expect(noRecordings.code).toBe(2)
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{"format": "fetch-recordings/1", ')
    const bad = cli(['show', broken, relative(REPO, paths.anthropic as string)])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('broken.json')
    expect(bad.out).toContain('Anthropic Messages')
    expect(cli(['show', '--colour', 'x']).err).toContain('unknown option --colour')
  })

  test('--help, per-command help and an unknown command', () => {
    const help = cli(['--help'])
    expect(help.code).toBe(0)
    for (const command of ['verify', 'show', 'merge'])
      expect(help.out).toMatch(new RegExp(`^  ${command} `, 'm'))
    expect(cli(['show', '--help']).out).toContain('Usage: fetch-recordings show')
    expect(cli(['help', 'merge']).out).toContain('Usage: fetch-recordings merge')
    const unknown = cli(['shwo'])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain('Unknown command "shwo".')
    expect(unknown.err).toContain('Commands:')
  })
})

describe('fetch-recordings show --html in a real headless Chromium', () => {
  let page: string
  let interactions: number

  beforeAll(() => {
    page = join(dir, 'out', 'recordings.html')
    const written = cli(['show', '.', join(FIXTURES, '__recordings__'), '--html', page], { cwd: dir })
    expect(written.code, written.err).toBe(0)
    expect(written.out).toContain('recordings.html: 7 recording file(s)')
    interactions = Object.values(paths).reduce(
      (sum, path) => sum + JSON.parse(readFileSync(path, 'utf8')).interactions.length,
      6, // the fixture's
    )
  })

  test('one self-contained page: a section per interaction, raw JSON collapsed, no request leaves the file', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} (Debian: apt-get install -y chromium)`).toBe(true)
    const html = readFileSync(page, 'utf8')
    expect(html).not.toMatch(/<(script|link|img)\b/i)
    expect(html).not.toMatch(/https?:\/\/[^"<\s]*\.(css|js|png|woff2?)/)
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    try {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
      const tab = await context.newPage()
      const requested: string[] = []
      tab.on('request', (request) => requested.push(request.url()))
      await tab.goto(`file://${page}`)
      expect(await tab.locator('section.interaction').count()).toBe(interactions)
      expect(await tab.locator('h2').count()).toBe(7)
      // The rendered blocks only (the raw JSON in <details> would contain the words too).
      const body = (await tab.locator('.block').allTextContents()).join('\n')
      expect(body).toContain('get_forecast({"city":"Oslo","days":1})')
      expect(body).toContain('Rate limit reached for gpt-4o.')
      expect(body).toContain('Echo: Plan a trip to Bergen')
      // Recorded markup is text on the page, never markup.
      expect(body).toContain('Weather in Oslo? </pre><script>alert(1)</script>')
      const firstRaw = tab.locator('section.interaction details').first()
      expect(await firstRaw.locator('pre').isVisible()).toBe(false)
      await firstRaw.locator('summary').click()
      expect(await firstRaw.locator('pre').isVisible()).toBe(true)
      expect(await firstRaw.locator('pre').textContent()).toContain('"request"')
      expect(requested.every((url) => url.startsWith('file://'))).toBe(true)
      const shot = join(dir, 'out', 'page.png')
      await tab.screenshot({ path: shot, fullPage: false })
      const blank = await context.newPage()
      await blank.setContent('<html><body></body></html>')
      const blankShot = join(dir, 'out', 'blank.png')
      await blank.screenshot({ path: blankShot })
      // A rendered page of text and colour compresses far worse than an empty one.
      expect(statSync(shot).size).toBeGreaterThan(statSync(blankShot).size * 5)
      expect(statSync(shot).size).toBeGreaterThan(30_000)
    } finally {
      await browser.close()
    }
  })
})
