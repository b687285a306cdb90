// POST /api/v1/content/generations — a content-generation run (brief, format, tone) on a chat model, metered.
import { handleContentGeneration } from '@/lib/gateway/content'
import { gatewayRoute } from '@/lib/gateway/pipeline'

export const POST = gatewayRoute('content', '/api/v1/content/generations', handleContentGeneration)
