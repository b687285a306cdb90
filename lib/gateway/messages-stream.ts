import 'server-only'
// A chat stream as the gateway says it to OpenAI clients (lib/gateway/chat.ts streamChat:
// chunks, the usage chunk, the cost comment, [DONE] or an error frame), said again as
// Anthropic's events. Everything that makes a stream safe (timeouts, the overrun cut, the
// client leaving, the one usage row) stays in streamChat: this only re-frames its output, and
// cancelling this stream cancels that one, which records the call as client_closed_request.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { anthropicErrorBody, statusOfCode } from '@/lib/protocols/anthropic-errors'
import { anthropicFrame, type AnthropicStreamTranslator } from '@/lib/protocols/anthropic-inbound-stream'
import type { ChatChunk, OpenAIUsage, TextUsage } from '@/lib/providers/types'

const encoder = new TextEncoder()

function fromOpenAIUsage(usage: OpenAIUsage): TextUsage {
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  }
}

export function relayAsAnthropic(openai: Response, translator: AnthropicStreamTranslator): Response {
  const reader = openai.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let usage: TextUsage | null = null
  let text = ''
  let promptTokens = 0

  // One frame of streamChat's output → what the Anthropic client gets. True once the stream is over.
  const relay = (frame: string, controller: ReadableStreamDefaultController<Uint8Array>): boolean => {
    // The cost comment (or any comment): every SSE reader skips it, Anthropic's SDK included.
    if (frame.startsWith(':')) {
      controller.enqueue(encoder.encode(`${frame}\n\n`))
      return false
    }
    if (!frame.startsWith('data: ')) return false
    const data = frame.slice('data: '.length)
    if (data === '[DONE]') {
      const whole = usage ?? { inputTokens: promptTokens, outputTokens: countTokens(text), cachedTokens: 0, reasoningTokens: 0 }
      for (const event of translator.finish(whole)) controller.enqueue(anthropicFrame(event))
      return true
    }
    const parsed = JSON.parse(data) as ChatChunk & { error?: { message: string; code: string; param?: string | null } }
    if (parsed.error) {
      const body = anthropicErrorBody({ ...parsed.error, status: statusOfCode(parsed.error.code) })
      controller.enqueue(anthropicFrame({ event: 'error', data: body }))
      return true
    }
    if (parsed.usage && parsed.choices.length === 0) {
      usage = fromOpenAIUsage(parsed.usage)
      return false
    }
    for (const choice of parsed.choices) if (typeof choice.delta?.content === 'string') text += choice.delta.content
    for (const event of translator.chunk(parsed)) controller.enqueue(anthropicFrame(event))
    return false
  }

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const opening = translator.start()
      promptTokens = ((opening[0].data.message as { usage: { input_tokens: number } }).usage.input_tokens)
      for (const event of opening) controller.enqueue(anthropicFrame(event))
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          buffer += decoder.decode(value, { stream: true })
          let boundary: number
          while ((boundary = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, boundary)
            buffer = buffer.slice(boundary + 2)
            if (relay(frame, controller)) {
              controller.close()
              return
            }
          }
        }
        controller.close()
      } catch (error) {
        // The chunks could not be said in Anthropic's events (interleaved tool arguments): the
        // caller is told, and the OpenAI stream under it is cancelled, which records the row.
        void reader.cancel().catch(() => {})
        try {
          const message = `The answer could not be translated to Anthropic's stream: ${(error as Error).message}`
          controller.enqueue(anthropicFrame({ event: 'error', data: anthropicErrorBody({ status: 502, code: 'upstream_error', message }) }))
          controller.close()
        } catch {
          // the client is gone
        }
      }
    },
    cancel() {
      return reader.cancel()
    },
  })
  return new Response(stream, { status: openai.status, headers: openai.headers })
}
