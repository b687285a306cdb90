import 'server-only'
import { z } from 'zod'
import { completeChat } from '@/lib/gateway/chat'
import { admitChat } from '@/lib/gateway/output-cap'
import type { GatewayCall } from '@/lib/gateway/pipeline'
import { textRoute } from '@/lib/gateway/routing'

const FORMATS = {
  blog_post: 'a blog post with a title, an introduction, three to five sections with headings, and a conclusion',
  social_post: 'a social media post of at most 280 characters with at most two hashtags',
  ad_copy: 'advertising copy: a headline, a one-sentence subheadline and a call to action',
  email: 'a marketing email with a subject line and a short body',
  product_description: 'a product description of two short paragraphs and three bullet points',
  headline: 'five alternative headlines, one per line',
} as const

export const ContentRequestSchema = z.object({
  brief: z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }).max(20_000, { error: 'must be at most 20,000 characters' }),
  format: z.enum(Object.keys(FORMATS) as [keyof typeof FORMATS, ...(keyof typeof FORMATS)[]], {
    error: `must be one of ${Object.keys(FORMATS).join(', ')}`,
  }),
  tone: z.string().trim().min(1).max(100).default('professional'),
  audience: z.string().trim().max(500).optional(),
  model: z.string().min(1).max(256, { error: 'must be at most 256 characters' }).default('gpt-4o-mini'),
  max_tokens: z.number().int().positive().max(16_384).optional(),
  campaign: z.string().optional(),
})

/** POST /api/v1/content/generations — one content-generation run on a chat model. */
export async function handleContentGeneration(call: GatewayCall): Promise<Response> {
  const { input, route: opened, overrides } = await call.open(ContentRequestSchema, 'gpt-4o-mini')
  const route = textRoute(opened)

  const system =
    `You are a senior copywriter. Write ${FORMATS[input.format]}. Tone: ${input.tone}.` +
    (input.audience ? ` Audience: ${input.audience}.` : '') +
    ' Answer with the content only, no preamble.'
  const body = { model: input.model, messages: [{ role: 'system', content: system }, { role: 'user', content: input.brief }], ...(input.max_tokens ? { max_tokens: input.max_tokens } : {}) }
  const { completion, cost } = await completeChat(call, await admitChat(call, body, route, overrides), route, overrides)
  return Response.json({
    id: call.requestId.replace(/^req_/, 'run_'),
    object: 'content.generation',
    created: completion.created,
    model: input.model,
    format: input.format,
    tone: input.tone,
    campaign_id: call.campaignId,
    content: completion.choices[0]?.message.content ?? '',
    finish_reason: completion.choices[0]?.finish_reason ?? null,
    usage: { prompt_tokens: cost.input_tokens, completion_tokens: cost.output_tokens, total_tokens: cost.input_tokens + cost.output_tokens },
    cost: { total_cost: cost.total_cost, cost_status: cost.cost_status },
  })
}
