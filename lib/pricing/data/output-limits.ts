// What a model may write per answer, and its context where the text catalog has none, keyed by
// text-catalog model id (lib/pricing/data/text-prices.json). Tollgate sends every call an output
// cap (the one it held for; Anthropic's API requires one); a cap above the model's limit is
// refused by the vendor with a 400, so the default cap (lib/pricing/estimate.ts
// defaultOutputCap) never exceeds these. Listed even where the limit is above the gateway's
// default cap, so each vendor's current models are on record. From the vendors' model pages
// (platform.openai.com/docs/models, docs.anthropic.com models overview, ai.google.dev models,
// api-docs.deepseek.com pricing, docs.mistral.ai models), checked 2026-12-02.
export const OUTPUT_LIMITS: Record<string, number> = {
  // OpenAI
  'gpt-3.5-turbo': 4_096,
  'gpt-3.5-turbo-0613': 4_096,
  'gpt-3.5-turbo-1106': 4_096,
  'gpt-3.5-turbo-16k': 4_096,
  'gpt-4': 8_192,
  'gpt-4-turbo': 4_096,
  'gpt-4-vision-preview': 4_096,
  'gpt-4o-2024-05-13': 4_096,
  // Anthropic (and the same models on Vertex AI, under the google provider's ids)
  'claude-2': 4_096,
  'claude-3-haiku': 4_096,
  'claude-3-sonnet': 4_096,
  'claude-3-opus': 4_096,
  'claude-3-opus-latest': 4_096,
  'claude-3-5-haiku': 8_192,
  'claude-3-5-haiku-latest': 8_192,
  'claude-3-5-sonnet': 8_192,
  // 128k with the output-128k-2025-02-19 beta header, which the gateway does not send.
  'claude-3-7-sonnet': 64_000,
  'claude-3-7-sonnet-latest': 64_000,
  'claude-sonnet-4-0': 64_000,
  'claude-4-sonnet': 64_000,
  'claude-opus-4-0': 32_000,
  'claude-4-opus': 32_000,
  'claude-opus-4-1': 32_000,
  'claude-sonnet-4-5': 64_000,
  'claude-haiku-4-5': 64_000,
  'claude-opus-4-5': 64_000,
  'claude-opus-4-6': 128_000,
  'claude-sonnet-4-6': 128_000,
  // Google Gemini
  'gemini-pro': 8_192,
  'gemini-1.0-pro-vision-001': 2_048,
  'gemini-1.5-flash': 8_192,
  'gemini-flash-1.5': 8_192,
  'gemini-flash-1.5-8b': 8_192,
  'gemini-1.5-pro': 8_192,
  'gemini-pro-1.5': 8_192,
  'gemini-2.0-flash': 8_192,
  'gemini-2.0-flash-lite': 8_192,
  'gemini-2.5-pro': 65_536,
  'gemini-2.5-flash': 65_536,
  'gemini-2.5-flash-lite': 65_536,
  'gemini-2.5-flash-image': 32_768,
  'gemini-3-pro-preview': 65_536,
  'gemini-3-pro-image-preview': 32_768,
  // DeepSeek: deepseek-chat 8K (its default is 4K), deepseek-reasoner 64K (default 32K);
  // the V4 models 384K.
  'deepseek-chat': 8_192,
  'deepseek-reasoner': 65_536,
  'deepseek-v3.1-terminus': 8_192,
  'deepseek-v3.2': 8_192,
  'deepseek-v3.2-exp': 8_192,
  'deepseek-v4-flash': 384_000,
  'deepseek-v4-pro': 384_000,
}

// Mistral and xAI publish no output limit apart from the context (prompt + max_tokens must fit
// in it); the text catalog lacks the context of these models, so it is given here. Where a
// family's versions differ, the smallest (Magistral 1.0's 40k, Mistral Large 2's 128k).
export const CONTEXT_WINDOWS: Record<string, number> = {
  'gemini-2.5-pro': 1_048_576,
  'gemini-3-pro-preview': 1_048_576,
  'gemini-3.1-pro-preview': 1_048_576,
  'mistral-large': 131_072,
  'mistral-large-latest': 131_072,
  'mistral-medium-latest': 131_072,
  'mistral-medium-3-1': 131_072,
  'mistral-medium-2312': 32_768,
  'mistral-small-latest': 131_072,
  'mistral-small-3.1-24b-instruct': 131_072,
  'mistral-small-3.2-24b-instruct': 131_072,
  'mistral-small-24b-instruct-2501': 32_768,
  'magistral-medium': 40_960,
  'magistral-small': 40_960,
  'ministral-3b': 131_072,
  'ministral-8b': 131_072,
  'ministral-8b-latest': 131_072,
  'mistral-nemo': 131_072,
  'mistral-saba': 32_768,
  'mistral-7b': 32_768,
  'mixtral-8x7b': 32_768,
  'mixtral-8x22b-instruct': 65_536,
  'pixtral-12b': 131_072,
  'pixtral-large': 131_072,
}
