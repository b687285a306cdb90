import { bfl } from '@/lib/providers/bfl'
import { ideogram } from '@/lib/providers/ideogram'
import { luma } from '@/lib/providers/luma'
import { openai } from '@/lib/providers/openai'
import { runway } from '@/lib/providers/runway'
import { simulator } from '@/lib/providers/simulator'
import { stability } from '@/lib/providers/stability'
import type { ProviderAdapter, ProviderId } from '@/lib/providers/types'

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
