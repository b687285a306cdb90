// POST /api/v1/audio/speech — OpenAI-compatible text to speech, the audio streamed back, metered.
import { handleSpeech } from '@/lib/gateway/audio-speech'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('audio', '/api/v1/audio/speech', handleSpeech)
