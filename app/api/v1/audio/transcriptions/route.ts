// POST /api/v1/audio/transcriptions — OpenAI-compatible speech to text (multipart upload), metered.
import { handleTranscription } from '@/lib/gateway/audio'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('audio', '/api/v1/audio/transcriptions', handleTranscription)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
