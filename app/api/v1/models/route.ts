// GET /api/v1/models — the models this deployment serves, who serves them, and their prices.
import { listModels } from '@/lib/gateway/models'
import { gatewayReadRoute } from '@/lib/gateway/pipeline'
import { listPriceOverrides } from '@/lib/pricing/model-prices'

export const GET = gatewayReadRoute(async () => Response.json({ object: 'list', data: listModels(await listPriceOverrides()) }))
