import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ADMIN_API_BASE, ADMIN_API_ROUTES, buildOpenApiDocument } from '@/lib/admin/api/openapi'
import { CreateUserSchema, UpdateUserSchema } from '@/lib/admin/api/schemas'
import { AdminHistoryQuerySchema, AdminRollupQuerySchema } from '@/lib/admin/api/usage-schemas'
import { validate } from '@/lib/http/body'
import { AppError } from '@/lib/errors'

const ROOT = 'app/api/admin/v1'

/** Every served route in the source: [method, OpenAPI path], from each route file's adminRoute exports. */
function servedRoutes(dir = ROOT): [string, string][] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return name.startsWith('[...') ? [] : servedRoutes(full)
    if (name !== 'route.ts') return []
    const route = `/${path.relative(ROOT, dir)}`.replace(/\[(\w+)\]/g, '{$1}')
    const methods = [...readFileSync(full, 'utf8').matchAll(/export const (GET|POST|PATCH|DELETE|PUT) = adminRoute/g)].map((m) => m[1].toLowerCase())
    return methods.map((m): [string, string] => [m, route])
  })
}

/** The message of the AppError `validate` throws for `value`. */
function refusal(schema: Parameters<typeof validate>[0], value: unknown): string {
  try {
    validate(schema, value)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).status).toBe(400)
    return (error as AppError).message
  }
  throw new Error('accepted')
}

describe('the OpenAPI document', () => {
  const doc = buildOpenApiDocument('https://tollgate.example') as {
    openapi: string
    servers: { url: string }[]
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; parameters: { name: string; in: string }[] }>>
    components: { securitySchemes: Record<string, unknown>; responses: Record<string, unknown> }
  }

  it('describes every route served under app/api/admin/v1, and nothing else', () => {
    const served = servedRoutes().map(([m, p]) => `${m} ${p}`).sort()
    expect(served.length).toBeGreaterThanOrEqual(11)
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort()
    expect(documented).toEqual(served)
    expect(ADMIN_API_ROUTES).toHaveLength(served.length)
  })

  it('is OpenAPI 3.1 with the bearer scheme, the server and the shared error shape', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers).toEqual([{ url: `https://tollgate.example${ADMIN_API_BASE}` }])
    expect(doc.components.securitySchemes.adminKey).toMatchObject({ type: 'http', scheme: 'bearer' })
    for (const [p, ops] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(ops)) {
        expect(op.responses['404'], `${m} ${p}`).toEqual({ $ref: '#/components/responses/Error404' })
        expect(op.responses['400']).toBeDefined()
        for (const ref of Object.values(op.responses).filter((r): r is { $ref: string } => typeof r === 'object' && r !== null && '$ref' in r))
          expect(doc.components.responses[ref.$ref.split('/').pop()!], ref.$ref).toBeDefined()
        if (p.includes('{ref}')) expect(op.parameters.some((x) => x.name === 'ref' && x.in === 'path')).toBe(true)
      }
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId))
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('takes request bodies from the validating schemas: strict, with their fields', () => {
    const patch = doc.paths['/users/{ref}'].patch.requestBody!.content['application/json'].schema as { additionalProperties: boolean; properties: Record<string, unknown> }
    expect(patch.additionalProperties).toBe(false)
    expect(Object.keys(patch.properties).sort()).toEqual(['budget', 'enforcement', 'limits', 'plan', 'rates'])
    const usage = doc.paths['/users/{ref}/usage'].get.parameters.filter((x) => x.in === 'query').map((x) => x.name)
    expect(usage).toEqual(expect.arrayContaining(['limit', 'cursor', 'service', 'from', 'to']))
    expect(doc.paths['/users/{ref}/rollups'].get.parameters.map((x) => x.name)).toEqual(expect.arrayContaining(['period', 'from', 'to']))
  })
})

describe('the operator API schemas', () => {
  it('refuse unknown fields, wrong types and empty changes by name', () => {
    expect(refusal(UpdateUserSchema, { plan: 'pro', planz: 'x' })).toBe('unknown field planz')
    expect(refusal(UpdateUserSchema, {})).toBe('give at least one of plan, limits, budget, enforcement, rates')
    expect(refusal(UpdateUserSchema, { budget: 12.5 })).toBe('budget: must be a decimal string in USD, like "12.50", or null')
    expect(refusal(UpdateUserSchema, { budget: '1e3' })).toBe('budget: must be a decimal amount in USD, like "25" or "12.50"')
    expect(refusal(UpdateUserSchema, { limits: { chat: null } })).toBe('limits.chat: chat always has a limit: give a number')
    expect(refusal(UpdateUserSchema, { limits: { chat: 1.5 } })).toBe('limits.chat: limit must be a whole number')
    expect(refusal(UpdateUserSchema, { limits: { telepathy: 1 } })).toMatch(/^limits: unknown service telepathy; services are content, /)
    expect(refusal(UpdateUserSchema, { limits: [1] })).toMatch(/^limits: must be an object keyed by service/)
    expect(refusal(UpdateUserSchema, { rates: { chat: {} } })).toBe('rates.chat: give requests_per_minute, tokens_per_minute or both')
    expect(refusal(UpdateUserSchema, { rates: { chat: { requests_per_minute: 0 } } })).toBe('rates.chat.requests_per_minute: requests_per_minute must be at least 1')
    expect(refusal(UpdateUserSchema, { enforcement: 'strict' })).toBe('enforcement: must be off, soft or hard')
    expect(refusal(CreateUserSchema, {})).toBe('give an email, an external_id, or both')
    expect(refusal(CreateUserSchema, { email: 5 })).toBe('email: must be a string')
    expect(refusal(AdminHistoryQuerySchema, { limit: '5', sort: 'x' })).toBe('unknown query parameter sort')
    expect(refusal(AdminRollupQuerySchema, { period: 'hour' })).toBe('period: must be day, week or month')
    expect(refusal(AdminRollupQuerySchema, { from: '2024-02-01', to: '2024-01-01' })).toBe('from: from must not be after to')
  })

  it('accept a full change', () => {
    const input = { plan: 'pro', limits: { chat: 10, embedding: null }, budget: null, enforcement: 'soft', rates: { chat: { requests_per_minute: 5, tokens_per_minute: null } } }
    expect(validate(UpdateUserSchema, input)).toEqual(input)
    expect(validate(AdminRollupQuerySchema, { period: 'week', from: '2024-01-01', to: '2024-01-31' })).toEqual({ period: 'week', from: '2024-01-01', to: '2024-01-31' })
  })
})
