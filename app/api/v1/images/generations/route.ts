// POST /api/v1/images/generations — OpenAI-compatible image generation on any configured vendor, metered.
import { handleImageGeneration } from '@/lib/gateway/images'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('image', '/api/v1/images/generations', handleImageGeneration)
