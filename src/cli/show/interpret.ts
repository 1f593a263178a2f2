/** Picks the provider that knows an interaction's wire shape and builds its view. */
import { wholeBody } from '../../format/body-codec.js'
import type { Interaction, StoredResponse } from '../../format/format.js'
import { isPlainObject } from '../../format/format.js'
import { aiSdk } from './providers/ai-sdk.js'
import { anthropic } from './providers/anthropic.js'
import { gemini, geminiModel } from './providers/gemini.js'
import { generic } from './providers/generic.js'
import { ollama } from './providers/ollama.js'
import { openaiChat } from './providers/openai-chat.js'
import { openaiResponses } from './providers/openai-responses.js'
import { type AnsweredInteraction, block, endpointOf, type InteractionView, type Provider } from './view.js'

/** Most specific first: the AI SDK's stream is told by its headers whatever the route. */
const PROVIDERS: readonly Provider[] = [
  aiSdk,
  openaiChat,
  openaiResponses,
  anthropic,
  gemini,
  ollama,
  generic,
]

export function interpret(stored: Interaction): InteractionView {
  const interaction = withWholeBody(stored)
  const provider = PROVIDERS.find((candidate) => candidate.matches(interaction)) ?? generic
  const { request, response } = interaction
  const body = request.body_encoding === 'json' && isPlainObject(request.body) ? request.body : undefined
  const view: InteractionView = {
    title: `${request.method} ${endpointOf(interaction)}`,
    kind: provider.kind,
    model: request.model ?? (typeof body?.model === 'string' ? body.model : geminiModel(interaction)),
    status: response.status,
    facts: factsOf(stored),
    request: [],
    response: [],
  }
  try {
    view.request = body || provider === generic ? provider.request(body ?? {}, interaction) : []
    view.response = provider.response(interaction)
  } catch (error) {
    // A shape the provider half knows: say so and show it plainly rather than fail the listing.
    view.kind = `${provider.kind} (unreadable: ${(error as Error).message})`
    view.request = generic.request(body ?? {}, interaction)
    view.response = generic.response(interaction)
  }
  if (view.request.length === 0 && provider !== generic)
    view.request = generic.request(body ?? {}, interaction)
  if (view.response.length === 0) view.response = [block('body', '(empty)')]
  return view
}

/** An aborted request has no status: shown as 0, with the abort among its facts. */
const NO_RESPONSE: StoredResponse = { status: 0, headers: {}, is_streaming: false }

/** A stream stored as the pieces its client read is shown as the whole it makes. */
function withWholeBody(interaction: Interaction): AnsweredInteraction {
  const { response } = interaction
  if (!response) return { ...interaction, response: NO_RESPONSE }
  const body = wholeBody(response.body_encoding, response.body)
  return { ...interaction, response: body === response.body ? response : { ...response, body } }
}

const COUNTED: Record<string, string> = { ndjson: 'lines', text: 'chunks', base64: 'chunks' }

function factsOf(interaction: Interaction): string[] {
  const { response } = interaction
  if (!response) return [`no response: the client aborted the request first (${interaction.aborted_by})`]
  const facts: string[] = []
  if (response.is_streaming) {
    const count = Array.isArray(response.body) ? response.body.length : 0
    facts.push(`streamed, ${count} ${COUNTED[response.body_encoding ?? ''] ?? 'events'}`)
  }
  if (response.truncated) facts.push('truncated: the client stopped reading')
  return facts
}
