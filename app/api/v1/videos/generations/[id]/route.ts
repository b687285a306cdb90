// GET /api/v1/videos/generations/{id} — poll a video job; its usage row is written when it ends.
import { gatewayReadRoute } from '@/lib/gateway/pipeline'
import { handleVideoStatus } from '@/lib/gateway/videos'

export const GET = gatewayReadRoute(handleVideoStatus)
