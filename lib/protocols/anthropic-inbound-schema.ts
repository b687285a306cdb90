// The Anthropic Messages API request, as Tollgate accepts it on /api/v1/messages (zod). Blocks
// are checked for their `type` only: their fields are read, and refused precisely, by whoever
// uses them (the translator for non-Anthropic models; Anthropic itself when forwarded natively).
import { z } from 'zod'

const Block = z.looseObject({ type: z.string({ error: 'is required (a content block type)' }) })

const Message = z.looseObject({
  role: z.enum(['user', 'assistant'], { error: 'must be user or assistant (the system prompt goes in `system`)' }),
  content: z.union([z.string(), z.array(Block)], { error: 'must be a string or an array of content blocks' }),
})

const Tool = z.looseObject({
  name: z.string({ error: 'is required' }).min(1, { error: 'is required' }),
  type: z.string().optional(),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
})

const ToolChoice = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none'], { error: 'must be auto, any, tool or none' }),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().optional(),
})

const Thinking = z.looseObject({
  type: z.enum(['enabled', 'disabled', 'adaptive'], { error: 'must be enabled, disabled or adaptive' }),
  budget_tokens: z.number().int().positive().optional(),
})

/** The fields count_tokens and messages share (count_tokens has no max_tokens, stream or sampling). */
const Prompt = {
  model: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(256, { error: 'must be at most 256 characters' }),
  messages: z.array(Message, { error: 'must be an array of messages' }).min(1, { error: 'must contain at least one message' }),
  system: z.union([z.string(), z.array(Block)], { error: 'must be a string or an array of text blocks' }).optional(),
  tools: z.array(Tool, { error: 'must be an array of tools' }).optional(),
  tool_choice: ToolChoice.optional(),
  thinking: Thinking.optional(),
  /** Tollgate's own: the campaign to book the call under (never sent upstream). */
  campaign: z.string().optional(),
}

export const MessagesRequestSchema = z
  .looseObject({
    ...Prompt,
    // 0 is Anthropic's "only warm the cache": nothing to hold or meter as an answer, so refused.
    max_tokens: z.number({ error: 'is required (a positive integer)' }).int({ error: 'must be an integer' }).positive({ error: 'must be at least 1' }),
    stop_sequences: z.array(z.string(), { error: 'must be an array of strings' }).optional(),
    temperature: z.number().min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' }).optional(),
    top_p: z.number().min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' }).optional(),
    top_k: z.number().int().positive().optional(),
    metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
    stream: z.boolean().optional(),
  })
  .superRefine((body, ctx) => {
    // The thinking budget is part of max_tokens (Anthropic refuses it otherwise); checked here so
    // the held output cap is the whole answer, thinking included.
    if (body.thinking?.type === 'enabled' && (body.thinking.budget_tokens === undefined || body.thinking.budget_tokens >= body.max_tokens))
      ctx.addIssue({ code: 'custom', path: ['thinking', 'budget_tokens'], message: 'is required with thinking enabled and must be less than max_tokens' })
  })

export const CountTokensRequestSchema = z.looseObject(Prompt)

export type MessagesRequest = z.infer<typeof MessagesRequestSchema>
export type CountTokensRequest = z.infer<typeof CountTokensRequestSchema>
export type ContentBlock = z.infer<typeof Block>
