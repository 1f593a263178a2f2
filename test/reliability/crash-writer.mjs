// Records in a loop (update mode, growing responses) until it is killed. Used by crash.test.ts.
import { join } from 'node:path'
import { createRecorder } from '../../src/index.js'

const [dir, url] = process.argv.slice(2)
const recorder = createRecorder({ mode: 'update', rootDir: dir }).install()
for (let round = 0; ; round++) {
  for (let i = 0; i < 5; i++) {
    const run = recorder.startTest({ testFile: join(dir, 'crash.test.ts'), testName: `test ${i}` })
    await run.run(async () => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          n_events: 20 + ((round * 7 + i) % 40),
          stream: true,
          messages: [{ role: 'user', content: `r${round}` }],
        }),
      })
      await response.text()
    })
    run.finish({ status: 'passed' })
  }
  process.stdout.write('.')
}
