import { openai } from '@/lib/providers/openai'
import { simulator } from '@/lib/providers/simulator'
import type { ProviderAdapter, ProviderId } from '@/lib/providers/types'

// Vendor id → adapter. The gateway never branches on a vendor's name: it looks one up here.
const adapters = new Map<ProviderId, ProviderAdapter>([
  ['openai', openai],
  ['simulator', simulator],
])

export function getAdapter(id: ProviderId): ProviderAdapter | undefined {
  return adapters.get(id)
}
