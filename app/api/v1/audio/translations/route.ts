// POST /api/v1/audio/translations — OpenAI-compatible speech to English text (multipart upload), metered.
import { handleTranslation } from '@/lib/gateway/audio'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('audio', '/api/v1/audio/translations', handleTranslation)
