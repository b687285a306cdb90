// POST /api/v1/images/generations — OpenAI-compatible image generation on any configured vendor, metered.
import { handleImageGeneration } from '@/lib/gateway/images'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('image', '/api/v1/images/generations', handleImageGeneration)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
