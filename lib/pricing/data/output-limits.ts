// The most some models may write per answer, where it is below the gateway's default output cap
// (lib/pricing/estimate.ts). Tollgate sends every call an output cap (the one it held for); a cap
// above the model's limit is refused by the vendor with a 400, so these models get their own.
// Keyed by text-catalog model id (lib/pricing/data/text-prices.json). From the vendors' model
// pages (platform.openai.com/docs/models, docs.anthropic.com models overview, ai.google.dev
// models), checked late 2025.
export const OUTPUT_LIMITS: Record<string, number> = {
  'gpt-3.5-turbo': 4_096,
  'gpt-3.5-turbo-0613': 4_096,
  'gpt-3.5-turbo-1106': 4_096,
  'gpt-3.5-turbo-16k': 4_096,
  'gpt-4': 8_192,
  'gpt-4-turbo': 4_096,
  'gpt-4-vision-preview': 4_096,
  'gpt-4o-2024-05-13': 4_096,
  'claude-2': 4_096,
  'claude-3-haiku': 4_096,
  'claude-3-sonnet': 4_096,
  'claude-3-opus': 4_096,
  'claude-3-opus-latest': 4_096,
  'claude-3-5-haiku': 8_192,
  'claude-3-5-haiku-latest': 8_192,
  'claude-3-5-sonnet': 8_192,
  'gemini-pro': 8_192,
  'gemini-1.0-pro-vision-001': 2_048,
  'gemini-1.5-flash': 8_192,
  'gemini-1.5-pro': 8_192,
  'gemini-2.0-flash': 8_192,
  'gemini-2.0-flash-lite': 8_192,
}
