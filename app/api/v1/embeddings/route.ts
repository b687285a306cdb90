// POST /api/v1/embeddings — OpenAI-compatible embeddings on OpenAI, Gemini and OpenAI-compatible hosts, metered per input token.
import { handleEmbeddings } from '@/lib/gateway/embeddings'
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('embedding', '/api/v1/embeddings', handleEmbeddings)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
