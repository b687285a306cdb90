import { anthropic } from '@/lib/providers/anthropic'
import { bfl } from '@/lib/providers/bfl'
import { gemini } from '@/lib/providers/gemini'
import { ideogram } from '@/lib/providers/ideogram'
import { luma } from '@/lib/providers/luma'
import { openai } from '@/lib/providers/openai'
import { runway } from '@/lib/providers/runway'
import { simulator } from '@/lib/providers/simulator'
import { stability } from '@/lib/providers/stability'
import type { ProviderAdapter, ProviderId, Protocol } from '@/lib/providers/types'

// Vendor id → adapter. The gateway never branches on a vendor's name: it looks one up here.
const adapters = new Map<ProviderId, ProviderAdapter>([
  ['openai', openai],
  ['bfl', bfl],
  ['stability', stability],
  ['ideogram', ideogram],
  ['runway', runway],
  ['luma', luma],
  ['simulator', simulator],
])

export function getAdapter(id: ProviderId): ProviderAdapter | undefined {
  return adapters.get(id)
}

// Chat protocol → adapter. Text providers are data (lib/providers/text-providers.ts): each names
// its protocol, and every OpenAI-compatible host shares the openai adapter.
const protocols: Record<Protocol, ProviderAdapter> = { openai, anthropic, gemini }
const named = new Map<string, ProviderAdapter>()

/**
 * The adapter speaking `protocol`, labelled with the provider's id (the transport names it in
 * errors and logs: "deepseek is unreachable"). One object per provider, made once.
 */
export function chatAdapter(protocol: Protocol, providerId: string): ProviderAdapter {
  const key = `${protocol}:${providerId}`
  let adapter = named.get(key)
  if (!adapter) {
    const base = protocols[protocol]
    if (!base) throw new Error(`no adapter speaks the ${protocol} protocol`)
    adapter = base.id === providerId ? base : { ...base, id: providerId }
    named.set(key, adapter)
  }
  return adapter
}
