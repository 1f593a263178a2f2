/**
 * Apps under test for server mode: real servers in their own Node processes, started with the
 * server preload, that call a (fake) OpenAI while handling a request, JSON or streaming, and
 * relay the stream to their own client. The sources are plain text, so fixture projects can
 * write the same app beside their tests and start it from a globalSetup.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

/** node:http + fetch. `POST /chat {prompt, stream?}`; `GET /health` makes no outbound request. */
export const PLAIN_APP = `import { createServer } from 'node:http'
const api = process.env.OPENAI_URL
async function ask(prompt, stream) {
  return fetch(api + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-app-secret-0123456789abcdef' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream, n_events: stream ? 6 : undefined, messages: [{ role: 'user', content: prompt }] }),
  })
}
const server = createServer(async (req, res) => {
  let text = ''
  for await (const chunk of req) text += chunk
  if (req.url === '/health') return res.end('ok')
  const { prompt, stream = false } = JSON.parse(text || '{}')
  try {
    const upstream = await ask(prompt, stream)
    const error = upstream.headers.get('x-fetch-recordings-error')
    if (stream && upstream.ok) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      let reads = 0
      for await (const chunk of upstream.body) {
        reads++
        res.write(chunk)
      }
      console.log('stream reads ' + reads)
      return res.end()
    }
    res.writeHead(upstream.ok ? 200 : 502, { 'content-type': 'application/json', ...(error ? { 'x-app-saw': error } : {}) })
    res.end(await upstream.text())
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' })
    res.end('app failed: ' + error.message)
  }
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening ' + server.address().port))
`

export interface RunningApp {
  url: string
  output(): string
  stop(): Promise<void>
}

/** Starts `node <nodeArgs> <script>` in `cwd` and waits for its "listening <port>" line. */
export function startApp(options: {
  cwd: string
  script: string
  nodeArgs?: string[]
  env?: Record<string, string>
}): Promise<RunningApp> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /listening (\d+)/.exec(output)?.[1]
      if (!port) return
      clearTimeout(timer)
      resolve({
        url: `http://127.0.0.1:${port}`,
        output: () => output,
        stop: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('close', (code) => reject(new Error(`app exited (${code}) before listening:\n${output}`)))
  })
}

/** A port free right now (for configs that must name an app's origin before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
