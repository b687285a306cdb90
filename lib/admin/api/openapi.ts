// The operator API's OpenAPI 3.1 document, generated from the zod schemas the routes validate
// with (z.toJSONSchema: JSON Schema 2020-12, which OpenAPI 3.1 uses as is). ADMIN_API_ROUTES
// is the list of what is served; a test checks it against the route files in app/api/admin/v1.
import { z } from 'zod'
import {
  ApiKeyListSchema,
  CountSchema,
  CreatedApiKeySchema,
  CreatedUserSchema,
  CreateKeySchema,
  CreateUserSchema,
  ErrorSchema,
  UpdateUserSchema,
  UserDetailSchema,
  UserTermsSchema,
  UserRefSchema,
} from '@/lib/admin/api/schemas'
import { AdminHistoryQuerySchema, AdminRollupQuerySchema, UsagePageSchema, RollupsSchema } from '@/lib/admin/api/usage-schemas'

export const ADMIN_API_BASE = '/api/admin/v1'

type Method = 'get' | 'post' | 'patch' | 'delete'
export type AdminApiRoute = {
  method: Method
  /** OpenAPI's path template, relative to ADMIN_API_BASE: `{ref}` where the route file has `[ref]`. */
  path: string
  summary: string
  query?: z.ZodType
  body?: z.ZodType
  /** Status → schema (null: no body). */
  responses: Record<number, { description: string; schema: z.ZodType | null }>
  /** 4xx answers this route gives besides 400 and 404. */
  errors?: number[]
}

const ok = (schema: z.ZodType, description = 'OK') => ({ 200: { description, schema } })

export const ADMIN_API_ROUTES: AdminApiRoute[] = [
  {
    method: 'post',
    path: '/users',
    summary: 'Find or create a user by email and/or external id',
    body: CreateUserSchema,
    responses: { 200: { description: 'Found', schema: CreatedUserSchema }, 201: { description: 'Created', schema: CreatedUserSchema } },
    errors: [409, 413, 415],
  },
  { method: 'get', path: '/users/{ref}', summary: 'A user\'s terms and use this period', responses: ok(UserDetailSchema) },
  { method: 'patch', path: '/users/{ref}', summary: 'Change a user\'s plan, limits, budget, enforcement or rates', body: UpdateUserSchema, responses: ok(z.object({ object: z.literal('user.terms'), user: UserRefSchema, terms: UserTermsSchema })), errors: [413, 415] },
  { method: 'get', path: '/users/{ref}/keys', summary: 'A user\'s active gateway keys', responses: ok(ApiKeyListSchema) },
  { method: 'post', path: '/users/{ref}/keys', summary: 'Issue a gateway key for a user (the key is shown once)', body: CreateKeySchema, responses: { 201: { description: 'Created', schema: CreatedApiKeySchema } }, errors: [413, 415] },
  { method: 'delete', path: '/users/{ref}/keys', summary: 'Revoke all of a user\'s keys', responses: ok(CountSchema('revoked')) },
  { method: 'delete', path: '/users/{ref}/keys/{id}', summary: 'Revoke one of a user\'s keys', responses: { 204: { description: 'Revoked', schema: null } } },
  { method: 'post', path: '/users/{ref}/holds/release', summary: 'Release every admission hold of a user (calls that will never settle)', responses: ok(CountSchema('released')) },
  { method: 'get', path: '/users/{ref}/usage', summary: 'A user\'s calls, newest first, keyset-paginated', query: AdminHistoryQuerySchema, responses: ok(UsagePageSchema) },
  { method: 'get', path: '/users/{ref}/rollups', summary: 'A user\'s usage by day, week or month (by service, provider and model)', query: AdminRollupQuerySchema, responses: ok(RollupsSchema) },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: ok(z.object({ openapi: z.string() }).loose()) },
]

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the message names the field (`param`)',
  404: 'No such endpoint, or no such user or key. Also the answer to any caller without a valid admin key.',
  405: 'Method not allowed',
  409: 'Conflict: the email and the external id name different users, or the external id is mapped to another user',
  413: 'Request body too large (16 KiB)',
  415: 'Content-Type must be application/json',
  503: 'The database is unavailable; retry after Retry-After seconds',
}

/** A zod schema as an OpenAPI 3.1 schema: JSON Schema 2020-12 without its own `$schema`. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  delete out.$schema
  return out
}

const REF_PARAMETER = {
  name: 'ref',
  in: 'path',
  required: true,
  description: 'The user: their id (UUID), their email, or `ext:` followed by your external id (percent-encode it).',
  schema: { type: 'string' },
}

function parameters(route: AdminApiRoute): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = []
  if (route.path.includes('{ref}')) list.push(REF_PARAMETER)
  if (route.path.includes('{id}')) list.push({ name: 'id', in: 'path', required: true, description: 'The key\'s id', schema: { type: 'string', format: 'uuid' } })
  if (route.query) {
    const query = jsonSchema(route.query, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] }
    for (const [name, schema] of Object.entries(query.properties ?? {}))
      list.push({ name, in: 'query', required: query.required?.includes(name) ?? false, ...(schema.description ? { description: schema.description } : {}), schema })
  }
  return list
}

function operation(route: AdminApiRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = {}
  for (const [status, { description, schema }] of Object.entries(route.responses))
    responses[status] = schema ? { description, content: { 'application/json': { schema: jsonSchema(schema, 'output') } } } : { description }
  for (const status of [400, 404, ...(route.errors ?? []), 503].sort()) responses[status] = { $ref: `#/components/responses/Error${status}` }
  return {
    operationId: `${route.method}${route.path.replace(/[{}.]/g, '').replace(/(?:^|[/_-])(\w)/g, (_m, c: string) => c.toUpperCase())}`,
    summary: route.summary,
    ...(route.body?.description ? { description: route.body.description } : {}),
    parameters: parameters(route),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
    responses,
  }
}

/** The whole document; `serverUrl` is where the API is served (the request's origin). */
export function buildOpenApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of ADMIN_API_ROUTES) (paths[route.path] ??= {})[route.method] = operation(route)
  const errorSchema = jsonSchema(ErrorSchema, 'output')
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate operator API',
      version: '1',
      description:
        'Provision and govern your product\'s users from your own backend. Authenticate with an admin key (`tga_…`) issued on the console\'s Access page or with `npm run tollgate -- key create admin <name>`. Every write is recorded in the operator audit with the key as its actor. Without a valid admin key every path answers 404.',
    },
    servers: [{ url: `${serverUrl ?? ''}${ADMIN_API_BASE}` }],
    security: [{ adminKey: [] }],
    components: {
      securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'An admin key: `Authorization: Bearer tga_…`' } },
      schemas: { Error: errorSchema },
      responses: Object.fromEntries(
        Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => [`Error${status}`, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
    },
    paths,
  }
}
