// POST /api/v1/audio/speech — OpenAI-compatible text to speech, the audio streamed back, metered.
import { handleSpeech } from '@/lib/gateway/audio-speech'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('audio', '/api/v1/audio/speech', handleSpeech)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
