// GET /api/v1/models — the models this deployment serves, who serves them, and their prices.
import { listModels } from '@/lib/gateway/models'
import { apiRoute } from '@/lib/http/route'
import { listPriceOverrides } from '@/lib/pricing/model-prices'
import { methodNotAllowed } from '@/lib/http/methods'

export const GET = apiRoute({ auth: 'session-or-key' }, async () => Response.json({ object: 'list', data: listModels(await listPriceOverrides()) }))

const notAllowed = methodNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
