import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { exited, firstOutput } from '../support/child.js'
import { startFakeApi } from '../support/fake-apis.js'

const KILLS = 20

/** Starts the writer, waits until it has written at least once, kills it at a random moment. */
async function killDuringWrites(dir: string, url: string): Promise<void> {
  const child = spawn(process.execPath, [join(__dirname, 'crash-writer.mjs'), dir, url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    // A writer that dies on its own (a broken import, a refused test name) fails the test now.
    await firstOutput(child)
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 60))
  } finally {
    child.kill('SIGKILL')
    await exited(child)
  }
}

describe('SIGKILL during record runs', () => {
  it(`leaves every recording parseable (old or new version) across ${KILLS} kills, and the next run sweeps temp files`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-crash-'))
    const api = await startFakeApi({ randomIds: false })
    const folder = join(dir, '__recordings__', 'crash.test.ts')
    try {
      let sawTemp = 0
      for (let kill = 0; kill < KILLS; kill++) {
        await killDuringWrites(dir, api.url)
        const names = readdirSync(folder)
        sawTemp += names.filter((name) => name.includes('.fr-tmp-')).length
        for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
          const file = JSON.parse(readFileSync(join(folder, name), 'utf8'))
          expect(file.format).toBe('fetch-recordings/1')
          expect(file.interactions).toHaveLength(1)
          // Whole streams only: the last event of every stored stream is [DONE].
          expect(file.interactions[0].response.body.at(-1)).toEqual({ data: '[DONE]' })
        }
      }
      // A later run that writes in the folder removes what dead writers left behind, and
      // leaves the temp files of live writers (a concurrent worker) alone.
      const dead = spawn(process.execPath, ['-e', ''])
      await exited(dead)
      writeFileSync(join(folder, `.test-0.json.fr-tmp-${dead.pid}-abc123`), '{"half": ')
      // Alive until killed below, however slow this machine is.
      const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
      const liveTemp = join(folder, `.test-1.json.fr-tmp-${live.pid}-def456`)
      writeFileSync(liveTemp, '{"half": ')
      try {
        const recorder = createRecorder({ mode: 'update', rootDir: dir }).install()
        try {
          const run = recorder.startTest({ testFile: join(dir, 'crash.test.ts'), testName: 'test 0' })
          run.finish({ status: 'skipped' })
        } finally {
          await recorder.dispose()
        }
        expect(readdirSync(folder).filter((name) => name.includes('.fr-tmp-'))).toEqual([basename(liveTemp)])
      } finally {
        live.kill('SIGKILL')
      }
      console.log(`crash test: ${KILLS} kills, ${sawTemp} temp file(s) left by killed writers, all swept`)
    } finally {
      await api.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
