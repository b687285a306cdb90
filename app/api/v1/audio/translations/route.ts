// POST /api/v1/audio/translations — OpenAI-compatible speech to English text (multipart upload), metered.
import { handleTranslation } from '@/lib/gateway/audio'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('audio', '/api/v1/audio/translations', handleTranslation)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
