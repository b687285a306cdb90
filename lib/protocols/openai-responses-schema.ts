// The OpenAI Responses API request, as Tollgate accepts it on /api/v1/responses (zod). Items
// and tools are checked for their shape only: their fields are read, and refused precisely, by
// whoever uses them (the translator for non-OpenAI models; OpenAI itself when forwarded).
import { z } from 'zod'

const Item = z.looseObject({ type: z.string().optional(), role: z.string().optional() })

const Tool = z.looseObject({ type: z.string({ error: 'is required (function or a built-in tool type)' }) })

export const ResponsesRequestSchema = z.looseObject({
  model: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(256, { error: 'must be at most 256 characters' }),
  input: z.union([z.string(), z.array(Item)], { error: 'must be a string or an array of input items' }).optional(),
  instructions: z.string({ error: 'must be a string' }).nullable().optional(),
  tools: z.array(Tool, { error: 'must be an array of tools' }).max(128, { error: 'must have at most 128 tools' }).optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })], { error: 'must be none, auto, required or an object naming a tool' }).optional(),
  text: z
    .looseObject({
      format: z
        .looseObject({
          type: z.enum(['text', 'json_object', 'json_schema'], { error: 'must be text, json_object or json_schema' }),
          name: z.string().optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullable().optional(),
          description: z.string().optional(),
        })
        .optional(),
      verbosity: z.enum(['low', 'medium', 'high']).nullable().optional(),
    })
    .nullable()
    .optional(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh'], { error: 'must be none, minimal, low, medium, high or xhigh' }).nullable().optional(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullable().optional(),
    })
    .nullable()
    .optional(),
  max_output_tokens: z.number().int({ error: 'must be an integer' }).positive({ error: 'must be at least 1' }).nullable().optional(),
  max_tool_calls: z.number().int({ error: 'must be an integer' }).positive({ error: 'must be at least 1' }).max(1000, { error: 'must be at most 1000' }).nullable().optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: z.string().max(200, { error: 'must be at most 200 characters' }).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  /** Tollgate's own: the campaign to book the call under (never sent upstream). */
  campaign: z.string().optional(),
})

export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>
export type ResponsesItem = z.infer<typeof Item>
