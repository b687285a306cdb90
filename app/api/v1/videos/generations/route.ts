// POST /api/v1/videos/generations — start a video job (Runway, Luma, simulator); metered when it ends.
import { gatewayRoute } from '@/lib/gateway/pipeline'
import { handleVideoCreate } from '@/lib/gateway/videos'
import { methodNotAllowed } from '@/lib/http/methods'

export const POST = gatewayRoute('video', '/api/v1/videos/generations', handleVideoCreate)

const notAllowed = methodNotAllowed(['POST'])
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
