// POST /api/v1/moderations — OpenAI's moderation models (free at the vendor: recorded at $0, rate-limited like any call).
import { handleModerations } from '@/lib/gateway/moderations'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('moderation', '/api/v1/moderations', handleModerations)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
