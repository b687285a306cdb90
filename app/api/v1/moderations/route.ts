// POST /api/v1/moderations — OpenAI's moderation models (free at the vendor: recorded at $0, rate-limited like any call).
import { handleModerations } from '@/lib/gateway/moderations'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('moderation', '/api/v1/moderations', handleModerations)
