/**
 * Amazon Bedrock's Converse API as `@aws-sdk/client-bedrock-runtime` sees it: JSON for
 * `converse`, and for `converse-stream` binary `application/vnd.amazon.eventstream` frames
 * (prelude with lengths and CRC32, typed headers, JSON payload, message CRC32), one per write.
 */
import { crc32 } from 'node:zlib'
import {
  type Ctx,
  type Json,
  readJson,
  sendJson,
  splitWords,
  startStream,
  str,
  textOf,
  writeChunk,
} from './fake-apis-util.js'

function replyOf(ctx: Ctx): { text: string; modelId: string } | undefined {
  const body = readJson(ctx)
  if (!body) return undefined
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : []
  const last = messages.at(-1)
  const content = Array.isArray(last?.content) ? (last.content as Json[]) : []
  const prompt = content.map((block) => textOf(block.text)).join(' ')
  return {
    text: `Bedrock says: ${prompt}`,
    modelId: decodeURIComponent(ctx.url.pathname.split('/')[2] ?? ''),
  }
}

export function bedrockConverse(ctx: Ctx): void {
  const reply = replyOf(ctx)
  if (!reply) return
  const outputTokens = splitWords(reply.text).length
  ctx.res.setHeader('x-amzn-requestid', ctx.mintId('req-'))
  sendJson(ctx, 200, {
    output: { message: { role: 'assistant', content: [{ text: reply.text }] } },
    stopReason: 'end_turn',
    usage: { inputTokens: 3, outputTokens, totalTokens: 3 + outputTokens },
    metrics: { latencyMs: 42 },
  })
}

export async function bedrockConverseStream(ctx: Ctx): Promise<void> {
  const reply = replyOf(ctx)
  if (!reply) return
  startStream(ctx, 'application/vnd.amazon.eventstream')
  const pieces = splitWords(reply.text)
  const events: [string, Json][] = [
    ['messageStart', { role: 'assistant' }],
    ...pieces.map((text): [string, Json] => ['contentBlockDelta', { contentBlockIndex: 0, delta: { text } }]),
    ['contentBlockStop', { contentBlockIndex: 0 }],
    ['messageStop', { stopReason: 'end_turn' }],
    [
      'metadata',
      {
        usage: { inputTokens: 3, outputTokens: pieces.length, totalTokens: 3 + pieces.length },
        metrics: { latencyMs: 42 },
      },
    ],
  ]
  for (const [type, payload] of events) {
    if (
      !(await writeChunk(ctx.res, eventStreamFrame(type, { ...payload, p: str(ctx.mintId('')).slice(0, 8) })))
    )
      return
    await new Promise((resolve) => setImmediate(resolve))
  }
  ctx.res.end()
}

/** One event-stream message: total length, headers length, prelude CRC, headers, payload, CRC. */
export function eventStreamFrame(eventType: string, payload: Json): Buffer {
  const headers = Buffer.concat(
    Object.entries({
      ':event-type': eventType,
      ':content-type': 'application/json',
      ':message-type': 'event',
    }).map(([name, value]) => {
      const nameBytes = Buffer.from(name)
      const valueBytes = Buffer.from(value)
      const header = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length)
      header.writeUInt8(nameBytes.length, 0)
      nameBytes.copy(header, 1)
      header.writeUInt8(7, 1 + nameBytes.length) // string
      header.writeUInt16BE(valueBytes.length, 2 + nameBytes.length)
      valueBytes.copy(header, 4 + nameBytes.length)
      return header
    }),
  )
  const body = Buffer.from(JSON.stringify(payload))
  const total = 12 + headers.length + body.length + 4
  const prelude = Buffer.alloc(8)
  prelude.writeUInt32BE(total, 0)
  prelude.writeUInt32BE(headers.length, 4)
  const preludeCrc = Buffer.alloc(4)
  preludeCrc.writeUInt32BE(crc32(prelude), 0)
  const message = Buffer.concat([prelude, preludeCrc, headers, body])
  const messageCrc = Buffer.alloc(4)
  messageCrc.writeUInt32BE(crc32(message), 0)
  return Buffer.concat([message, messageCrc])
}
