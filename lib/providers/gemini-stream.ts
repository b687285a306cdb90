// Gemini's SSE stream (:streamGenerateContent?alt=sse) as OpenAI chunks. Each event is a whole
// GenerateContentResponse carrying only new parts; finishReason and the complete usage come on
// the last one. There is no terminator: the stream is complete only if a finishReason came,
// which end() checks (else it owes nothing and the gateway treats the stream as cut).
import { completionId, finishReason, geminiUsage, imageOut, openAIUsageOf, toolCallOf, type GeminiResponse } from '@/lib/providers/gemini-response'
import type { ChatChunk, ChatStreamTranslator, StreamEvent, TextUsage } from '@/lib/providers/types'

type Choice = { calls: number; finished: boolean }

export function geminiStream(): ChatStreamTranslator {
  let head: { id: string; model: string; created: number } | undefined
  const choices = new Map<number, Choice>()
  let usage: TextUsage | null = null
  let blocked = false

  const chunk = (index: number, delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): StreamEvent => ({
    kind: 'chunk',
    chunk: { ...head!, object: 'chat.completion.chunk', choices: [{ index, delta, logprobs: null, finish_reason: finish }] },
  })
  /** OpenAI opens every choice with a role delta. */
  const open = (index: number, events: StreamEvent[]): Choice => {
    let choice = choices.get(index)
    if (!choice) {
      choice = { calls: 0, finished: false }
      choices.set(index, choice)
      events.push(chunk(index, { role: 'assistant', content: '' }))
    }
    return choice
  }

  return {
    next(data) {
      const r = JSON.parse(data) as GeminiResponse
      if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('not a GenerateContentResponse chunk')
      if (r.error) return [{ kind: 'error', message: r.error.message ?? 'upstream stream error' }]
      head ??= { id: completionId(r), model: r.modelVersion ?? 'gemini', created: Math.floor(Date.now() / 1000) }
      // Keep the last usage seen: earlier chunks may carry partial counts.
      if (r.usageMetadata) usage = geminiUsage(r.usageMetadata)
      const events: StreamEvent[] = []
      const candidates = Array.isArray(r.candidates) ? r.candidates : []
      if (candidates.length === 0 && r.promptFeedback?.blockReason && !blocked) {
        blocked = true
        open(0, events).finished = true
        events.push(chunk(0, {}, 'content_filter'))
      }
      candidates.forEach((candidate, position) => {
        const index = candidate.index ?? position
        const choice = open(index, events)
        for (const part of candidate.content?.parts ?? []) {
          if (typeof part.text === 'string' && part.text) events.push(chunk(index, part.thought ? { reasoning_content: part.text } : { content: part.text }))
          // Gemini sends each call whole: one delta carries its id, name and all arguments.
          if (part.functionCall) events.push(chunk(index, { tool_calls: [{ index: choice.calls++, ...toolCallOf(part) }] }))
          if (part.inlineData && !part.thought) events.push(chunk(index, { images: [imageOut(part.inlineData)] }))
        }
        if (candidate.finishReason && !choice.finished) {
          choice.finished = true
          events.push(chunk(index, {}, finishReason(candidate.finishReason, choice.calls > 0)))
        }
      })
      return events
    },
    end() {
      const finished = choices.size > 0 && [...choices.values()].every((c) => c.finished)
      if (!finished || !head) return []
      const tail: StreamEvent[] = []
      if (usage) tail.push({ kind: 'chunk', chunk: { ...head, object: 'chat.completion.chunk', choices: [], usage: openAIUsageOf(usage) }, usage })
      tail.push({ kind: 'done' })
      return tail
    },
  }
}
