// POST /api/v1/content/generations — a content-generation run (brief, format, tone) on a chat model, metered.
import { handleContentGeneration } from '@/lib/gateway/content'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('content', '/api/v1/content/generations', handleContentGeneration)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
