// GET /api/v1/videos/generations/{id} — poll a video job; its usage row is written when it ends.
import { handleVideoStatus } from '@/lib/gateway/videos'
import { apiRoute } from '@/lib/http/route'
import { methodNotAllowed } from '@/lib/http/methods'

export const GET = apiRoute<'session-or-key', { id: string }>({ auth: 'session-or-key' }, ({ request, identity, params }) => handleVideoStatus(request, identity, params))

const notAllowed = methodNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
