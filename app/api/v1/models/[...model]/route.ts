// GET /api/v1/models/{id} — one model as GET /api/v1/models lists it (OpenAI's model object plus
// who serves it and its prices), found as a call naming it would be routed, so ids with slashes
// (`openai/gpt-4o`, `openrouter/anthropic/claude-sonnet-4.5`) work. Unknown: OpenAI's 404
// model_not_found, which clients catch to fall back.
import { AppError } from '@/lib/errors'
import { findModel } from '@/lib/gateway/models'
import { methodNotAllowed } from '@/lib/http/methods'
import { apiRoute } from '@/lib/http/route'
import { listPriceOverrides } from '@/lib/pricing/model-prices'

/** The id from its path segments: clients send `openai/gpt-4o` as is, or with the slash escaped (the openai SDKs do). */
function modelId(segments: readonly string[]): string {
  const joined = segments.join('/')
  try {
    return decodeURIComponent(joined)
  } catch {
    return joined
  }
}

export const GET = apiRoute<'session-or-key', { model: string[] }>({ auth: 'session-or-key' }, async ({ params }) => {
  const id = modelId(params.model)
  const model = id.length <= 256 ? findModel(id, await listPriceOverrides()) : null
  if (!model) throw new AppError('model_not_found', `The model '${id.slice(0, 256)}' does not exist`, { param: 'model' })
  return Response.json(model)
})

const notAllowed = methodNotAllowed(['GET'])
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE }
