// The operator API's request and response shapes, declared once: the routes validate with them
// and the OpenAPI document (openapi.ts) is generated from them, so the two cannot drift apart.
import { z } from 'zod'
import { hasQuotaColumns, SERVICE_TYPE_IDS, type ServiceType } from '@/lib/services'

const services = SERVICE_TYPE_IDS.join(', ')

/** A strict object whose unknown fields are refused by name (a typo must not be a silent no-op). */
function strict<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.code === 'invalid_type' ? 'must be a JSON object' : undefined),
  })
}

/** A map keyed by service type; an unknown service is refused naming the services there are. */
function perService<T extends z.ZodType>(value: T) {
  return z.partialRecord(z.enum(SERVICE_TYPE_IDS), value, {
    // A partial record reports an unknown key as unrecognized_keys, a code its issue type does not list.
    error: (issue) => {
      const { code, keys } = issue as { code: string; keys?: string[] }
      return code === 'unrecognized_keys' ? `unknown service ${keys?.join(', ')}; services are ${services}` : code === 'invalid_type' ? `must be an object keyed by service (${services})` : undefined
    },
  })
}

const whole = (name: string, min: number, max: number) =>
  z.number({ error: `${name} must be a whole number` }).int({ error: `${name} must be a whole number` }).min(min, { error: `${name} must be at least ${min}` }).max(max, { error: `${name} must be at most ${max}` })

export const CreateUserSchema = strict({
  email: z.string({ error: 'must be a string' }).max(254, { error: 'must be at most 254 characters' }).optional().describe('The user\'s email (case-insensitive).'),
  external_id: z.string({ error: 'must be a string' }).max(255, { error: 'must be at most 255 characters' }).optional().describe('Your product\'s own id of the user.'),
})
  .refine((v) => v.email !== undefined || v.external_id !== undefined, { error: 'give an email, an external_id, or both' })
  .describe('Find the user with this external id and/or email, or create one on the sign-up plan.')
export type CreateUserInput = z.infer<typeof CreateUserSchema>

export const UpdateUserSchema = strict({
  plan: z.string({ error: 'must be a plan id' }).min(1, { error: 'must be a plan id' }).max(50, { error: 'must be a plan id' }).optional().describe('Move the user to this plan now (applied first, before the fields below).'),
  limits: perService(whole('limit', 0, 999_999_999).nullable())
    .optional()
    .describe('Quota per period, by service; null removes the quota of a service without quota columns.'),
  budget: z
    .string({ error: 'must be a decimal string in USD, like "12.50", or null' })
    .regex(/^\d{1,12}(\.\d{1,12})?$/, { error: 'must be a decimal amount in USD, like "25" or "12.50"' })
    .nullable()
    .optional()
    .describe('Cost budget per period in USD as a decimal string; null for none.'),
  enforcement: z.enum(['off', 'soft', 'hard'], { error: 'must be off, soft or hard' }).optional(),
  rates: perService(
    strict({
      requests_per_minute: whole('requests_per_minute', 1, 1_000_000).optional(),
      tokens_per_minute: whole('tokens_per_minute', 1, 2_147_483_647).nullable().optional().describe('null: no token limit'),
    }),
  )
    .optional()
    .describe('Rate limits by service.'),
})
  .superRefine((value, ctx) => {
    if (Object.values(value).every((v) => v === undefined)) ctx.addIssue({ code: 'custom', message: 'give at least one of plan, limits, budget, enforcement, rates' })
    for (const [service, limit] of Object.entries(value.limits ?? {}))
      if (limit === null && hasQuotaColumns(service as ServiceType)) ctx.addIssue({ code: 'custom', path: ['limits', service], message: `${service} always has a limit: give a number` })
    for (const [service, rate] of Object.entries(value.rates ?? {}))
      if (rate && rate.requests_per_minute === undefined && rate.tokens_per_minute === undefined)
        ctx.addIssue({ code: 'custom', path: ['rates', service], message: 'give requests_per_minute, tokens_per_minute or both' })
  })
  .describe('Change any of the user\'s terms; each change is applied and audited on its own, in the order plan, limits, budget, enforcement, rates.')
export type UpdateUserInput = z.infer<typeof UpdateUserSchema>

export const CreateKeySchema = strict({
  name: z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
})

// Responses: documentation (openapi.ts) and the integration test's check of what is served.

export const UserRefSchema = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  external_id: z.string().nullable(),
  created_at: z.string(),
})

export const UserTermsSchema = z.object({
  plan_type: z.string(),
  status: z.string(),
  limits: z.record(z.string(), z.number()).describe('Quota per period of the services with quota columns.'),
  service_limits: z.record(z.string(), z.number()).describe('Quota per period of the other services that have one.'),
  monthly_cost_budget: z.string().nullable(),
  enforcement_mode: z.string(),
  billing_period_start: z.string(),
  billing_period_end: z.string(),
  rates: z.record(z.string(), z.object({ requests_per_minute: z.number(), tokens_per_minute: z.number().nullable() })),
})

const ServiceUsageSchema = z.object({ used: z.number(), limit: z.number(), unlimited: z.boolean() })

export const UserDetailSchema = z.object({
  object: z.literal('user'),
  user: UserRefSchema,
  terms: UserTermsSchema,
  usage: z
    .object({
      period: z.object({ start: z.string(), end: z.string() }).nullable(),
      services: z.record(z.string(), ServiceUsageSchema).nullable(),
      other_services: z.record(z.string(), ServiceUsageSchema).nullable(),
      cost: z.object({ currency: z.literal('USD'), period: z.string(), month: z.string(), lifetime: z.string(), budget: z.string().nullable(), unpriced_calls: z.number() }).loose(),
    })
    .loose()
    .describe('Use in the current period against the limits admission applies (as the user\'s own GET /api/v1/usage).'),
})

export const CreatedUserSchema = UserDetailSchema.extend({ created: z.boolean() })

export const ApiKeySchema = z.object({ id: z.uuid(), name: z.string(), prefix: z.string(), created_at: z.string(), last_used_at: z.string().nullable() })
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string().describe('The full key: shown here once, never again.') })
export const ApiKeyListSchema = z.object({ object: z.literal('list'), data: z.array(ApiKeySchema) })
export const CountSchema = (field: string) => z.object({ [field]: z.number().int() })

export const ErrorSchema = z
  .object({
    error: z.object({ message: z.string(), type: z.string(), code: z.string(), param: z.string().nullable() }).loose(),
  })
  .describe('Every error: OpenAI\'s shape, as the gateway\'s.')
