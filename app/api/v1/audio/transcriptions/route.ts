// POST /api/v1/audio/transcriptions — OpenAI-compatible speech to text (multipart upload), metered.
import { handleTranscription } from '@/lib/gateway/audio'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('audio', '/api/v1/audio/transcriptions', handleTranscription)
