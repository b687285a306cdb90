// OpenAI, and any server speaking its API (OPENAI_BASE_URL): chat completions, streamed or not,
// and image generation.
import { errorText } from '@/lib/providers/transport'
import type { ChatChunk, ChatCompletion, ImageRequest, ParsedBody, ProviderAdapter, StreamEvent } from '@/lib/providers/types'

const json = (apiKey: string) => ({ authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' })

function asCompletion(value: unknown): ChatCompletion {
  const v = value as ChatCompletion
  if (!v || typeof v !== 'object' || !Array.isArray(v.choices)) throw new Error('not a chat completion')
  return v
}

function parseStreamEvent(data: string): StreamEvent {
  if (data.trim() === '[DONE]') return { kind: 'done' }
  const parsed = JSON.parse(data) as ChatChunk & { error?: { message?: string } }
  if (parsed.error) return { kind: 'error', message: parsed.error.message ?? 'upstream stream error' }
  if (!Array.isArray(parsed.choices)) throw new Error('not a chat completion chunk')
  return { kind: 'chunk', chunk: parsed }
}

export const openai: ProviderAdapter = {
  id: 'openai',
  parseError: (status, body) => errorText(body, status),
  chat: {
    buildRequest: (body, config) => ({
      method: 'POST',
      url: `${config.baseUrl}/chat/completions`,
      headers: json(config.apiKey),
      body: JSON.stringify(body),
    }),
    parseResponse: asCompletion,
    parseStreamEvent,
    extractUsage: (usage) =>
      usage && Number.isFinite(usage.prompt_tokens)
        ? {
            inputTokens: usage.prompt_tokens,
            outputTokens: usage.completion_tokens ?? 0,
            cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
            reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
          }
        : null,
  },
  image: {
    buildRequest: (req: ImageRequest, config) => {
      const gptImage = req.model.startsWith('gpt-image')
      const body = {
        ...req.extra,
        model: req.model,
        prompt: req.prompt,
        n: req.n,
        ...(req.size ? { size: req.size } : {}),
        ...(req.quality ? { quality: req.quality } : {}),
        // GPT image models always answer base64 and refuse the parameter.
        ...(gptImage ? {} : { response_format: req.responseFormat }),
      }
      return { method: 'POST', url: `${config.baseUrl}/images/generations`, headers: json(config.apiKey), body: JSON.stringify(body) }
    },
    parseResponse: (body: ParsedBody, req) => {
      const j = body.json as {
        data?: { url?: string; b64_json?: string; revised_prompt?: string }[]
        size?: string
        quality?: string
        usage?: { input_tokens_details?: { text_tokens?: number; image_tokens?: number }; input_tokens?: number; output_tokens?: number }
      }
      if (!j || !Array.isArray(j.data)) throw new Error('not an images response')
      const usage = j.usage
      return {
        done: true,
        result: {
          images: j.data.map((d) => ({ url: d.url, b64_json: d.b64_json, revised_prompt: d.revised_prompt })),
          size: j.size ?? req.size,
          quality: j.quality ?? req.quality,
          tokenUsage: usage
            ? {
                inputTextTokens: usage.input_tokens_details?.text_tokens ?? usage.input_tokens ?? 0,
                inputImageTokens: usage.input_tokens_details?.image_tokens ?? 0,
                outputImageTokens: usage.output_tokens ?? 0,
              }
            : undefined,
        },
      }
    },
  },
}
