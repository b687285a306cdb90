// The text providers this deployment knows: built-in presets (OpenAI, Anthropic, Gemini and the
// OpenAI-compatible hosts) plus the operator's own from the providers file. Providers are data:
// a wire protocol, a base URL, a key and the catalog whose models they serve. Adapters are per
// protocol (every OpenAI-compatible host shares one), so adding a host needs no code.
import 'server-only'
import { existsSync, readFileSync } from 'node:fs'
import { z } from 'zod'
import { env, namedSecret } from '@/lib/env'
import { trimEndOf } from '@/lib/text'
import type { Protocol, ProviderConfig } from '@/lib/providers/types'

export type TextProvider = {
  /** The name in `provider/model` and on usage rows. */
  id: string
  name: string
  protocol: Protocol
  /** Other names `provider/model` accepts (OpenRouter's vendor names: `google/…`, `x-ai/…`). */
  aliases: string[]
  baseUrl: string
  /** Undefined: the provider is off and the simulator serves its models (a local server needs none). */
  apiKey?: string
  /** On: calls go to it. Off: its models are simulated, priced as the real thing. */
  enabled: boolean
  /** The environment variable holding its key, for the README and /api/v1/models. */
  keyEnv?: string
  /** Price-catalog provider ids whose models it serves (lib/pricing/data/text-prices.json). */
  catalog: string[]
  /** A local server: no vendor bill, so its calls are priced $0 (`priced`) unless an override says otherwise. */
  local: boolean
  /** Hosts reselling others' models (OpenRouter, Together, …) are reached by `provider/model` or their own catalog. */
  vendor: boolean
  /** Model ids the operator declared for it (providers file), each optionally priced as a catalog model. */
  models: { id: string; pricedAs?: string }[]
  quirks?: ProviderConfig['quirks']
}

type Preset = Omit<TextProvider, 'apiKey' | 'enabled' | 'baseUrl' | 'models'> & { apiKey?: string; baseUrl?: string }

const PRESETS: Preset[] = [
  { id: 'openai', name: 'OpenAI', protocol: 'openai', aliases: [], baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, keyEnv: 'OPENAI_API_KEY', catalog: ['openai'], local: false, vendor: true },
  { id: 'anthropic', name: 'Anthropic', protocol: 'anthropic', aliases: [], baseUrl: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY, keyEnv: 'ANTHROPIC_API_KEY', catalog: ['anthropic'], local: false, vendor: true },
  { id: 'gemini', name: 'Google Gemini', protocol: 'gemini', aliases: ['google'], baseUrl: env.GEMINI_BASE_URL, apiKey: env.GEMINI_API_KEY, keyEnv: 'GEMINI_API_KEY', catalog: ['google'], local: false, vendor: true },
  { id: 'deepseek', name: 'DeepSeek', protocol: 'openai', aliases: [], baseUrl: env.DEEPSEEK_BASE_URL, apiKey: env.DEEPSEEK_API_KEY, keyEnv: 'DEEPSEEK_API_KEY', catalog: ['deepseek'], local: false, vendor: true },
  { id: 'mistral', name: 'Mistral', protocol: 'openai', aliases: ['mistralai'], baseUrl: env.MISTRAL_BASE_URL, apiKey: env.MISTRAL_API_KEY, keyEnv: 'MISTRAL_API_KEY', catalog: ['mistral'], local: false, vendor: true },
  // xAI counts reasoning on top of completion_tokens, unlike OpenAI (PROVIDERS-TEXT.md §5).
  { id: 'xai', name: 'xAI', protocol: 'openai', aliases: ['x-ai'], baseUrl: env.XAI_BASE_URL, apiKey: env.XAI_API_KEY, keyEnv: 'XAI_API_KEY', catalog: ['x-ai'], local: false, vendor: true, quirks: { reasoningOutsideCompletion: true } },
  { id: 'groq', name: 'Groq', protocol: 'openai', aliases: [], baseUrl: env.GROQ_BASE_URL, apiKey: env.GROQ_API_KEY, keyEnv: 'GROQ_API_KEY', catalog: ['groq'], local: false, vendor: false },
  { id: 'openrouter', name: 'OpenRouter', protocol: 'openai', aliases: [], baseUrl: env.OPENROUTER_BASE_URL, apiKey: env.OPENROUTER_API_KEY, keyEnv: 'OPENROUTER_API_KEY', catalog: ['openrouter'], local: false, vendor: false },
  { id: 'together', name: 'Together AI', protocol: 'openai', aliases: ['togetherai'], baseUrl: env.TOGETHER_BASE_URL, apiKey: env.TOGETHER_API_KEY, keyEnv: 'TOGETHER_API_KEY', catalog: ['together'], local: false, vendor: false },
  { id: 'fireworks', name: 'Fireworks', protocol: 'openai', aliases: [], baseUrl: env.FIREWORKS_BASE_URL, apiKey: env.FIREWORKS_API_KEY, keyEnv: 'FIREWORKS_API_KEY', catalog: ['fireworks'], local: false, vendor: false },
  { id: 'ollama', name: 'Ollama', protocol: 'openai', aliases: [], baseUrl: env.OLLAMA_BASE_URL, apiKey: env.OLLAMA_API_KEY, catalog: [], local: true, vendor: false },
  { id: 'vllm', name: 'vLLM', protocol: 'openai', aliases: [], baseUrl: env.VLLM_BASE_URL, apiKey: env.VLLM_API_KEY, catalog: [], local: true, vendor: false },
]

const ID = /^[a-z0-9][a-z0-9-]{0,39}$/
const ModelSchema = z.union([
  z.string().min(1).max(256),
  z.object({ id: z.string().min(1).max(256), pricedAs: z.string().min(3).max(300).optional() }).strict(),
])

/** The operator's providers file: more OpenAI-compatible hosts, and fallback lists. */
export const ProvidersFileSchema = z
  .object({
    providers: z
      .array(
        z
          .object({
            id: z.string().regex(ID, 'must be lower-case letters, digits and dashes'),
            name: z.string().min(1).max(100).optional(),
            baseUrl: z.url({ protocol: /^https?$/ }),
            /** The environment variable with its key (never the key itself: this file is not a secret store). */
            apiKeyEnv: z.string().regex(/^[A-Z][A-Z0-9_]{0,100}$/, 'must be an environment variable name').optional(),
            local: z.boolean().default(false),
            models: z.array(ModelSchema).max(10_000).default([]),
            aliases: z.array(z.string().regex(ID)).max(20).default([]),
          })
          .strict(),
      )
      .default([]),
    /** model → ordered `provider/model` list tried when the first answers 429/5xx or not at all. */
    fallbacks: z.record(z.string().min(1).max(300), z.array(z.string().min(3).max(300)).min(1).max(10)).default({}),
  })
  .strict()
export type ProvidersFile = z.infer<typeof ProvidersFileSchema>

function fromPreset(p: Preset): TextProvider {
  const baseUrl = p.baseUrl ? trimEndOf(p.baseUrl, '/') : ''
  // A local server is on once it has an address; a hosted one once it has a key.
  const enabled = p.local ? Boolean(baseUrl) : Boolean(p.apiKey)
  return { ...p, baseUrl, enabled, apiKey: p.apiKey, models: [] }
}

/** The registry for a parsed providers file (exported for tests). Throws on a clash of names. */
export function buildRegistry(file: ProvidersFile): { providers: TextProvider[]; fallbacks: Record<string, string[]> } {
  const providers = PRESETS.map(fromPreset)
  const taken = new Set(providers.flatMap((p) => [p.id, ...p.aliases]))
  for (const custom of file.providers) {
    for (const name of [custom.id, ...custom.aliases]) {
      if (taken.has(name)) throw new Error(`providers file: the provider name "${name}" is already taken`)
      taken.add(name)
    }
    const apiKey = custom.apiKeyEnv ? namedSecret(custom.apiKeyEnv) : undefined
    providers.push({
      id: custom.id,
      name: custom.name ?? custom.id,
      protocol: 'openai',
      aliases: custom.aliases,
      baseUrl: trimEndOf(custom.baseUrl, '/'),
      apiKey,
      keyEnv: custom.apiKeyEnv,
      // A hosted provider with a key named but unset is off (simulated), like the built-ins.
      enabled: custom.local || !custom.apiKeyEnv || Boolean(apiKey),
      catalog: [],
      local: custom.local,
      vendor: false,
      models: custom.models.map((m) => (typeof m === 'string' ? { id: m } : m)),
    })
  }
  const fallbacks = Object.fromEntries(Object.entries(file.fallbacks).map(([model, list]) => [model.toLowerCase(), list]))
  return { providers, fallbacks }
}

function readProvidersFile(path: string): ProvidersFile {
  if (!existsSync(path)) return ProvidersFileSchema.parse({})
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`)
  }
  const parsed = ProvidersFileSchema.safeParse(raw)
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`)
  return parsed.data
}

const registry = buildRegistry(readProvidersFile(env.TOLLGATE_PROVIDERS_FILE))

/** Every text provider, built-in first. */
export const textProviders: readonly TextProvider[] = registry.providers
/** Operator-configured fallback lists, keyed by lower-cased model. */
export const configuredFallbacks: Readonly<Record<string, string[]>> = registry.fallbacks

const byName = new Map<string, TextProvider>()
for (const p of textProviders) for (const name of [p.id, ...p.aliases]) byName.set(name, p)
const byCatalog = new Map<string, TextProvider>()
for (const p of textProviders) for (const c of p.catalog) if (!byCatalog.has(c)) byCatalog.set(c, p)

/** The provider called `name` (its id or an alias, case-insensitive), if any. */
export function providerNamed(name: string): TextProvider | undefined {
  return byName.get(name.toLowerCase())
}

/** The provider serving a price-catalog vendor's models under their own names (google → gemini). */
export function providerOfCatalog(catalogId: string): TextProvider | undefined {
  return byCatalog.get(catalogId)
}
