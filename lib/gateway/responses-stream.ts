import 'server-only'
// A chat stream as the gateway says it to OpenAI chat clients (chat-stream.ts streamChat:
// chunks, the usage chunk, the cost comment, [DONE] or an error frame), said again as the
// Responses API's semantic events. Everything that makes a stream safe (timeouts, the overrun
// cut, the client leaving, the one usage row) stays in streamChat: this only re-frames its
// output, and cancelling this stream cancels that one, which records the call as client_closed_request.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { responsesFrame, type ResponsesStreamTranslator } from '@/lib/protocols/openai-responses-stream'
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

export function relayAsResponses(openai: Response, translator: ResponsesStreamTranslator, promptTokens: number): Response {
  const reader = openai.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let usage: TextUsage | null = null
  let text = ''

  // One frame of streamChat's output → what the Responses client gets. True once the stream is over.
  const relay = (frame: string, controller: ReadableStreamDefaultController<Uint8Array>): boolean => {
    // The cost comment: every SSE reader skips it, the OpenAI SDK included.
    if (frame.startsWith(':')) {
      controller.enqueue(encoder.encode(`${frame}\n\n`))
      return false
    }
    if (!frame.startsWith('data: ')) return false
    const data = frame.slice('data: '.length)
    if (data === '[DONE]') {
      const whole = usage ?? { inputTokens: promptTokens, outputTokens: countTokens(text), cachedTokens: 0, reasoningTokens: 0 }
      for (const event of translator.finish(whole)) controller.enqueue(responsesFrame(event))
      return true
    }
    const parsed = JSON.parse(data) as ChatChunk & { error?: { message: string; code: string; param?: string | null } }
    if (parsed.error) {
      for (const event of translator.error(parsed.error)) controller.enqueue(responsesFrame(event))
      return true
    }
    if (parsed.usage && parsed.choices.length === 0) {
      usage = fromOpenAIUsage(parsed.usage)
      return false
    }
    for (const choice of parsed.choices) if (typeof choice.delta?.content === 'string') text += choice.delta.content
    for (const event of translator.chunk(parsed)) controller.enqueue(responsesFrame(event))
    return false
  }

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const event of translator.start()) controller.enqueue(responsesFrame(event))
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
        // The chunks could not be said as Responses events (interleaved tool arguments): the
        // caller is told, and the chat stream under it is cancelled, which records the row.
        void reader.cancel().catch(() => {})
        try {
          const message = `The answer could not be translated to the Responses stream: ${(error as Error).message}`
          for (const event of translator.error({ code: 'upstream_error', message })) controller.enqueue(responsesFrame(event))
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
