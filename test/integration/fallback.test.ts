// Fallback across providers: when the first provider is limiting, failing or unreachable
// before it has answered, the next model of the list serves the call. One row per call, with
// the attempts in its metadata, priced as what was served. Two fake OpenAI-compatible hosts:
// "openai" and an operator's "backup" provider from a providers file.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_REPLY, startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { canonical, createGatewayUser, usageRows } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let primary: FakeOpenAI
let backup: FakeOpenAI
let server: NextServer
const db = () => process.env.DATABASE_URL!

beforeAll(async () => {
  primary = await startFakeOpenAI()
  backup = await startFakeOpenAI()
  const dir = mkdtempSync(path.join(tmpdir(), 'fallback-'))
  const file = path.join(dir, 'providers.json')
  writeFileSync(
    file,
    JSON.stringify({
      providers: [{ id: 'backup', baseUrl: backup.url, apiKeyEnv: 'BACKUP_API_KEY', models: [{ id: 'gpt-4o-mini', pricedAs: 'openai/gpt-4o-mini' }, { id: 'gpt-4o', pricedAs: 'openai/gpt-4o' }] }],
      fallbacks: { 'gpt-4o': ['backup/gpt-4o'] },
    }),
  )
  server = await startNextServer({
    DATABASE_URL: db(),
    AUTH_SECRET: 'fallback-test-secret-at-least-32-characters',
    OPENAI_API_KEY: primary.apiKey,
    OPENAI_BASE_URL: primary.url,
    BACKUP_API_KEY: backup.apiKey,
    TOLLGATE_PROVIDERS_FILE: file,
  })
})

afterAll(async () => {
  await server?.stop()
  await primary?.close()
  await backup?.close()
})

const callsTo = (fake: FakeOpenAI, marker: string) => fake.calls.filter((c) => JSON.stringify(c.body).includes(marker))

describe('fallback', () => {
  it('serves from the next model of the request when the first provider is unreachable, and books one row for what was served', async () => {
    const u = await createGatewayUser(server.url)
    await primary.pause()
    try {
      const { data, response } = await u.client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fallback plain' }], models: ['backup/gpt-4o-mini'] } as never)
        .withResponse()
      expect(data.choices[0].message.content).toBe(FAKE_REPLY.join(''))
      expect(response.headers.get('x-tollgate-provider')).toBe('backup')
      expect(response.headers.get('x-tollgate-fallback-attempts')).toBe('1')
      const [row] = await usageRows(db(), u.id)
      expect(row).toMatchObject({ provider: 'backup', model: 'gpt-4o-mini', status: 'success', input_tokens: 1000, output_tokens: 500 })
      // gpt-4o-mini: 1,000 × $0.15/M + 500 × $0.60/M
      expect(canonical(row.total_cost)).toBe('0.00045')
      expect((row.metadata as { attempts: unknown }).attempts).toEqual([{ provider: 'openai', model: 'gpt-4o-mini', error: 'unreachable' }])
      // The request's list is Tollgate's: it never reaches a provider.
      expect(callsTo(backup, 'fallback plain')[0].body).not.toHaveProperty('models')
    } finally {
      await primary.resume()
    }
    expect(await usageRows(db(), u.id)).toHaveLength(1)
  })

  it('falls back before a stream has started, with the operator\'s list for the model', async () => {
    const u = await createGatewayUser(server.url)
    await primary.pause()
    try {
      const stream = await u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'fallback stream' }], stream: true, stream_options: { include_usage: true } })
      let text = ''
      let usage: unknown = null
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? ''
        usage = chunk.usage ?? usage
      }
      expect(text).toBe(FAKE_REPLY.join(''))
      expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500 })
    } finally {
      await primary.resume()
    }
    const [row] = await usageRows(db(), u.id)
    expect(row).toMatchObject({ provider: 'backup', model: 'gpt-4o', status: 'success', input_tokens: 1000, output_tokens: 500 })
    // gpt-4o: 1,000 × $2.50/M + 500 × $10/M
    expect(canonical(row.total_cost)).toBe('0.0075')
    expect((row.metadata as { attempts: unknown }).attempts).toEqual([{ provider: 'openai', model: 'gpt-4o', error: 'unreachable' }])
  })

  it('tries the next model on the vendor\'s own 500 and 429, but never after the caller\'s request was refused', async () => {
    const u = await createGatewayUser(server.url)
    // Both fakes fail alike (the fault is in the prompt): two attempts, then the last one's error,
    // and one row naming the first.
    for (const [fault, status] of [['[fault:500]', 502], ['[fault:429]', 503]] as const) {
      await expect(u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `both ${fault}` }] })).rejects.toMatchObject({ status })
      expect(callsTo(primary, `both ${fault}`)).toHaveLength(1)
      expect(callsTo(backup, `both ${fault}`)).toHaveLength(1)
    }
    const rows = await usageRows(db(), u.id, 2)
    expect(rows).toHaveLength(2)
    expect(rows.map((r) => (r.metadata as { attempts?: { error: string; provider: string }[] }).attempts)).toEqual([
      [{ provider: 'openai', model: 'gpt-4o', error: 'server_error', status: 500 }],
      [{ provider: 'openai', model: 'gpt-4o', error: 'rate_limited', status: 429 }],
    ])

    await expect(u.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'refused [fault:400]' }] })).rejects.toMatchObject({ status: 400 })
    expect(callsTo(backup, 'refused [fault:400]')).toHaveLength(0)
  })

  it('refuses an unknown model in the list before anything is held or sent', async () => {
    const u = await createGatewayUser(server.url)
    const answer = await fetch(`${server.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'unknown fallback' }], models: ['backup/gpt-4o-mini', 'no-such-model-anywhere'] }),
    })
    expect(answer.status).toBe(404)
    expect((await answer.json()).error).toMatchObject({ code: 'model_not_found', param: 'models[1]' })
    expect(callsTo(primary, 'unknown fallback')).toHaveLength(0)
  })
})

describe('GET /api/v1/models', () => {
  it('lists what this deployment serves: each with its provider, who answers now, and the price', async () => {
    const u = await createGatewayUser(server.url)
    const models = (await u.client.models.list()).data as unknown as { id: string; provider: string; served_by: string; owned_by: string; pricing: { rates: Record<string, unknown>; source: string } }[]
    const byId = (id: string) => models.find((m) => m.id === id)
    // OpenAI has a key here; Anthropic and DeepSeek do not: simulated, priced as the real thing.
    expect(byId('gpt-4o')).toMatchObject({ provider: 'openai', served_by: 'openai', pricing: { rates: { input_mtok: '2.5', output_mtok: '10' } } })
    expect(byId('claude-sonnet-4-5')).toMatchObject({ provider: 'anthropic', served_by: 'simulator', owned_by: 'anthropic' })
    expect(byId('gemini-2.5-flash')).toMatchObject({ provider: 'gemini', served_by: 'simulator', owned_by: 'google' })
    // A pinned price names its own source, not the catalog's.
    expect(byId('deepseek-chat')?.pricing.source).toMatch(/deepseek/i)
    // The operator's provider, with its models priced as declared.
    expect(byId('backup/gpt-4o-mini')).toMatchObject({ provider: 'backup', served_by: 'backup', pricing: { rates: { input_mtok: '0.15', output_mtok: '0.6' } } })
    // A host without a key would only list other vendors' models, simulated: it is not listed.
    expect(models.some((m) => m.provider === 'openrouter')).toBe(false)
    expect(new Set(models.map((m) => m.id)).size).toBe(models.length)
  })
})
