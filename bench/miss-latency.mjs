/**
 * Time to a failed replay miss through each SDK, with its default retries: how long the code
 * under test waits before it gets its error, and how many attempts the SDK made.
 *   node bench/miss-latency.mjs [dist folder, default ./dist] [rounds, default 3]
 * Run it against two builds to compare (docs/reliability.md has the figures). No network: the
 * recording is empty and the mode is replay, so nothing leaves the process.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createOpenAI } from '@ai-sdk/openai'
import Anthropic from '@anthropic-ai/sdk'
import { generateText } from 'ai'
import OpenAI from 'openai'

const dist = resolve(process.argv[2] ?? 'dist')
const rounds = Number(process.argv[3] ?? 3)
const { createRecorder } = await import(pathToFileURL(join(dist, 'index.js')).href)

// Never reached: the miss is answered (or failed) inside the process.
const BASE = 'https://api.example.invalid'
const KEY = 'sk-bench-miss'
const SDKS = {
  'openai@7': (fetch) =>
    new OpenAI({ apiKey: KEY, baseURL: `${BASE}/v1`, fetch }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'not recorded' }],
    }),
  '@anthropic-ai/sdk@1': (fetch) =>
    new Anthropic({ apiKey: KEY, baseURL: BASE, fetch }).messages.create({
      model: 'claude-fake',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'not recorded' }],
    }),
  'ai@7 + @ai-sdk/openai@4': (fetch) =>
    generateText({
      model: createOpenAI({ apiKey: KEY, baseURL: `${BASE}/v1`, fetch }).chat('gpt-4o-mini'),
      prompt: 'not recorded',
    }),
}

const dir = mkdtempSync(join(tmpdir(), 'fr-miss-latency-'))
const recorder = createRecorder({ mode: 'replay', rootDir: dir, env: {}, argv: [] }).install()
try {
  for (const [name, ask] of Object.entries(SDKS)) {
    const times = []
    let attempts = 0
    let thrown = ''
    let code = ''
    for (let round = 0; round < rounds; round++) {
      const run = recorder.startTest({ testFile: join(dir, 'miss.test.js'), testName: `${name} ${round}` })
      attempts = 0
      const counted = (input, init) => {
        attempts++
        return fetch(input, init)
      }
      const started = performance.now()
      await run
        .run(() => ask(counted))
        .then(
          () => {
            thrown = '(no error)'
          },
          (error) => {
            thrown = `${error.constructor.name}: ${String(error.message).split('\n')[0].slice(0, 70)}`
          },
        )
      times.push(performance.now() - started)
      code = run.error()?.code ?? '(none)'
      run.finish({ status: 'failed' })
    }
    times.sort((a, b) => a - b)
    const median = times[Math.floor(times.length / 2)]
    console.log(
      `${name.padEnd(24)} median ${median.toFixed(0).padStart(5)} ms (${times.map((t) => t.toFixed(0)).join(', ')}) attempts ${attempts} test error ${code}\n${' '.repeat(26)}${thrown}`,
    )
  }
} finally {
  await recorder.dispose()
  rmSync(dir, { recursive: true, force: true })
}
