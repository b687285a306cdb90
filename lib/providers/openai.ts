// OpenAI, and any server speaking its API (OPENAI_BASE_URL): chat completions, streamed or not,
// and image generation.
import { errorText } from '@/lib/providers/transport'
import type { ChatChunk, ChatCompletion, ChatStreamTranslator, ImageRequest, OpenAIUsage, ParsedBody, ProviderAdapter, ProviderConfig, TextUsage } from '@/lib/providers/types'

// A local server may take no key: then no Authorization header at all (an empty Bearer confuses some).
const json = (apiKey: string): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } : { 'content-type': 'application/json' })

function asCompletion(value: unknown): ChatCompletion {
  const v = value as ChatCompletion
  if (!v || typeof v !== 'object' || !Array.isArray(v.choices)) throw new Error('not a chat completion')
  return v
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0)

type HostUsage = OpenAIUsage & {
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null
  /** DeepSeek: prompt_tokens = hits + misses. */
  prompt_cache_hit_tokens?: number
}

/**
 * Usage as an OpenAI-compatible host reports it, normalised (cached ⊂ input, reasoning ⊂
 * output). Hosts differ: DeepSeek reports cache hits apart, OpenRouter cache writes, xAI counts
 * reasoning on top of completion_tokens (a quirk its preset sets), Groq puts usage in x_groq.
 */
export function openAIUsage(raw: unknown, config: ProviderConfig): TextUsage | null {
  const usage = raw as HostUsage | null | undefined
  if (!usage || typeof usage !== 'object' || !Number.isFinite(usage.prompt_tokens)) return null
  const input = count(usage.prompt_tokens)
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens)
  const output = count(usage.completion_tokens) + (config.quirks?.reasoningOutsideCompletion ? reasoning : 0)
  const cached = Math.min(input, count(usage.prompt_tokens_details?.cached_tokens) || count(usage.prompt_cache_hit_tokens))
  const cacheWrite = Math.min(input - cached, count(usage.prompt_tokens_details?.cache_write_tokens))
  return { inputTokens: input, outputTokens: output, cachedTokens: cached, reasoningTokens: Math.min(reasoning, output), ...(cacheWrite ? { cacheWriteTokens: cacheWrite } : {}) }
}

function translator(config: ProviderConfig): ChatStreamTranslator {
  return {
    next(data) {
      if (data.trim() === '[DONE]') return [{ kind: 'done' }]
      const parsed = JSON.parse(data) as ChatChunk & { error?: { message?: string }; x_groq?: { usage?: unknown } }
      if (parsed.error) return [{ kind: 'error', message: parsed.error.message ?? 'upstream stream error' }]
      if (!Array.isArray(parsed.choices)) throw new Error('not a chat completion chunk')
      const usage = openAIUsage(parsed.usage ?? parsed.x_groq?.usage, config)
      return [usage ? { kind: 'chunk', chunk: parsed, usage } : { kind: 'chunk', chunk: parsed }]
    },
    end: () => [],
  }
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
    parseResponse: (value, config) => {
      const completion = asCompletion(value)
      return { completion, usage: openAIUsage(completion.usage, config) }
    },
    openStream: translator,
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
