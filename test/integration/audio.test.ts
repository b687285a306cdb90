// Audio through the gateway with the official OpenAI SDK, against the fake OpenAI's audio
// endpoints (test/fakes/openai-audio.ts): what the client gets, what OpenAI received, and the one
// usage row each call leaves, priced at OpenAI's rates (literals from PROVIDERS-TEXT.md §4.7).
import { APIError, toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { audioDuration, silentWav } from '@/lib/gateway/audio-duration'
import { startFakeOpenAI, type FakeOpenAI } from '@/test/fakes/openai'
import { FAKE_SPEECH, FAKE_TRANSCRIPT, FAKE_TRANSLATION } from '@/test/fakes/openai-audio'
import { canonical, createGatewayUser, usageRows, type GatewayUser } from '@/test/gateway'
import { startNextServer, type NextServer } from '@/test/next-server'

let upstream: FakeOpenAI
let server: NextServer
let u: GatewayUser
const db = () => process.env.DATABASE_URL!
const CAP = 256 * 1024
// 12.5 s of 8 kHz 16-bit mono: 200,044 bytes, under the cap.
const WAV = silentWav(12.5, 8000)

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  server = await startNextServer({ DATABASE_URL: db(), AUTH_SECRET: 'audio-test-secret-at-least-32-characters', OPENAI_API_KEY: upstream.apiKey, OPENAI_BASE_URL: upstream.url, AUDIO_UPLOAD_MAX_BYTES: String(CAP) })
  u = await createGatewayUser(server.url)
})

afterAll(async () => {
  await server?.stop()
  await upstream?.close()
})

const wav = () => toFile(WAV, 'speech.wav', { type: 'audio/wav' })
let made = 0
/** The row of the call with `requestId` (each call here leaves one more row). */
async function rowOf(requestId: string | null | undefined) {
  made++
  const rows = await usageRows(db(), u.id, made)
  expect(rows).toHaveLength(made)
  const row = rows.find((r) => r.request_id === requestId)
  expect(row).toBeDefined()
  return row!
}
const costs = (row: Record<string, unknown>) => ({ input: canonical(row.input_cost), output: canonical(row.output_cost), total: canonical(row.total_cost), status: row.cost_status })
async function refusedWith(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(APIError)
  return error as APIError
}

describe('POST /api/v1/audio/transcriptions and /translations', () => {
  it('whisper-1 json: billed per second from usage.seconds (42 s at $0.006/min), the file forwarded and never stored', async () => {
    const { data, response } = await u.client.audio.transcriptions.create({ model: 'whisper-1', file: await wav(), language: 'en', temperature: 0.2 }).withResponse()
    expect(data.text).toBe(FAKE_TRANSCRIPT)
    const sent = upstream.calls.at(-1)!
    expect(sent).toMatchObject({ path: '/audio/transcriptions', authorization: `Bearer ${upstream.apiKey}` })
    expect(sent.body).toMatchObject({ model: 'whisper-1', language: 'en', temperature: '0.2', file: { name: 'speech.wav', size: WAV.length } })
    const row = await rowOf(response.headers.get('x-request-id'))
    expect(row).toMatchObject({ service_type: 'audio', provider: 'openai', model: 'whisper-1', endpoint: '/api/v1/audio/transcriptions', status: 'success' })
    // 42 s × $0.006 / 60 s = $0.0042
    expect(costs(row)).toEqual({ input: '0.0042', output: '0', total: '0.0042', status: 'priced' })
    expect(row.metadata).toMatchObject({ audio_seconds: 42, usage_source: 'upstream_usage' })
    expect(row.request_payload).toEqual({ model: 'whisper-1', language: 'en', temperature: '0.2', file: { name: 'speech.wav', size: WAV.length, type: 'audio/wav' } })
    expect(response.headers.get('x-tollgate-cost')).toBe('0.0042')
  })

  it('whisper-1 text and srt: OpenAI is asked for verbose_json (its duration is what it bills) and the format is written from it, never trusting the file header', async () => {
    const { data, response } = await u.client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await wav(), response_format: 'text' }).withResponse()
    expect(String(data).trim()).toBe(FAKE_TRANSCRIPT)
    expect(upstream.calls.at(-1)!.body).toMatchObject({ response_format: 'verbose_json' })
    const row = await rowOf(response.headers.get('x-request-id'))
    // The fake bills 42 s (its verbose duration), though the WAV's header says 12.5 s: 42 s × $0.0001/s
    expect(costs(row)).toEqual({ input: '0.0042', output: '0', total: '0.0042', status: 'priced' })
    expect(row.metadata).toMatchObject({ audio_seconds: 42, usage_source: 'upstream_usage', measured_seconds: 12.5 })
    const srt = await u.client.audio.transcriptions.create({ model: 'whisper-1', file: await wav(), response_format: 'srt' }).withResponse()
    expect(String(srt.data)).toBe(`1\n00:00:00,000 --> 00:00:42,000\n${FAKE_TRANSCRIPT}\n\n`)
    expect(costs(await rowOf(srt.response.headers.get('x-request-id')))).toEqual({ input: '0.0042', output: '0', total: '0.0042', status: 'priced' })
  })

  it('gpt-4o-mini-transcribe: billed per token (text in, audio in, text out)', async () => {
    const { data, response } = await u.client.audio.transcriptions.create({ model: 'gpt-4o-mini-transcribe', file: await wav(), prompt: 'Names: Tollgate.' }).withResponse()
    expect(data.text).toBe(FAKE_TRANSCRIPT)
    const row = await rowOf(response.headers.get('x-request-id'))
    // 100 text × $1.25/M + 1,000 audio × $3/M = $0.003125; 50 out × $5/M = $0.00025
    expect(row).toMatchObject({ model: 'gpt-4o-mini-transcribe', input_tokens: 1100, output_tokens: 50 })
    expect(costs(row)).toEqual({ input: '0.003125', output: '0.00025', total: '0.003375', status: 'priced' })
  })

  it('streams gpt-4o-transcribe: the events passed through, billed from transcript.text.done', async () => {
    const { data: stream, response } = await u.client.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: await wav(), stream: true }).withResponse()
    const types: string[] = []
    let text = ''
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'transcript.text.delta') text += event.delta
    }
    expect(text).toBe(FAKE_TRANSCRIPT)
    expect(types.at(-1)).toBe('transcript.text.done')
    expect(upstream.calls.at(-1)!.body).toMatchObject({ stream: 'true', model: 'gpt-4o-transcribe' })
    const row = await rowOf(response.headers.get('x-request-id'))
    // 100 × $2.50/M + 1,000 × $6/M = $0.00625; 50 × $10/M = $0.0005
    expect(row).toMatchObject({ status: 'success', input_tokens: 1100, output_tokens: 50 })
    expect(costs(row)).toEqual({ input: '0.00625', output: '0.0005', total: '0.00675', status: 'priced' })
  })

  it('translations with whisper-1', async () => {
    const { data, response } = await u.client.audio.translations.create({ model: 'whisper-1', file: await wav() }).withResponse()
    expect(data.text).toBe(FAKE_TRANSLATION)
    expect(upstream.calls.at(-1)!.path).toBe('/audio/translations')
    const row = await rowOf(response.headers.get('x-request-id'))
    expect(row).toMatchObject({ endpoint: '/api/v1/audio/translations', service_type: 'audio' })
    expect(costs(row)).toEqual({ input: '0.0042', output: '0', total: '0.0042', status: 'priced' })
  })

  it('refuses an upload past the cap with 413, and bad fields with 400 naming them, before anything is sent', async () => {
    const calls = upstream.calls.length
    const big = await refusedWith(u.client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(Buffer.alloc(CAP + 1), 'big.wav') }))
    expect(big).toMatchObject({ status: 413, code: 'payload_too_large' })
    expect(big.message).toContain('262,144 bytes')
    const format = await refusedWith(u.client.audio.transcriptions.create({ model: 'gpt-4o-mini-transcribe', file: await wav(), response_format: 'srt' }))
    expect(format).toMatchObject({ status: 400, param: 'response_format' })
    const granularity = await refusedWith(u.client.audio.transcriptions.create({ model: 'whisper-1', file: await wav(), timestamp_granularities: ['word'] }))
    expect(granularity).toMatchObject({ status: 400, param: 'timestamp_granularities' })
    const extension = await refusedWith(u.client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(WAV, 'speech.txt') }))
    expect(extension).toMatchObject({ status: 400, param: 'file.name' })
    const unknown = await refusedWith(u.client.audio.transcriptions.create({ model: 'whisper-9', file: await wav() }))
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' })
    expect(upstream.calls.length).toBe(calls)
    made += 4 // the other refusals' rows: each refusal leaves one
    const row = await rowOf(big.requestID)
    expect(row).toMatchObject({ service_type: 'audio', status: 'error', error_code: 'payload_too_large', total_cost: '0.000000000000' })
    expect(row.request_payload).toBeNull()
  })
})

describe('POST /api/v1/audio/speech', () => {
  it('tts-1: the audio streamed back byte for byte, priced by characters (code points) and said at once', async () => {
    // 20 code points (the emoji is one), 21 UTF-16 units.
    const input = 'Hello there, world 👋'
    expect([...input].length).toBe(20)
    const response = await u.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' })
    expect(response.headers.get('content-type')).toBe('audio/wav')
    expect(response.headers.get('x-tollgate-cost')).toBe('0.0003')
    expect(Buffer.from(await response.arrayBuffer()).equals(FAKE_SPEECH)).toBe(true)
    const row = await rowOf(response.headers.get('x-request-id'))
    // 20 × $15/M
    expect(row).toMatchObject({ model: 'tts-1', endpoint: '/api/v1/audio/speech', status: 'success' })
    expect(costs(row)).toEqual({ input: '0.0003', output: '0', total: '0.0003', status: 'priced' })
    expect(row.metadata).toMatchObject({ input_characters: 20 })
  })

  it('gpt-4o-mini-tts with stream_format sse: billed from speech.audio.done; raw pcm estimated from its bytes', async () => {
    const sse = await u.client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input: 'Hello', stream_format: 'sse', instructions: 'Cheerful.' })
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const events = (await sse.text()).split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)))
    expect(Buffer.concat(events.filter((e) => e.type === 'speech.audio.delta').map((e) => Buffer.from(e.audio, 'base64'))).equals(FAKE_SPEECH)).toBe(true)
    const sseRow = await rowOf(sse.headers.get('x-request-id'))
    // 12 × $0.60/M = $0.0000072; 900 × $12/M = $0.0108
    expect(sseRow).toMatchObject({ input_tokens: 12, output_tokens: 900 })
    expect(costs(sseRow)).toEqual({ input: '0.0000072', output: '0.0108', total: '0.0108072', status: 'priced' })

    const pcm = await u.client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input: 'Hello', response_format: 'pcm' })
    expect(Buffer.from(await pcm.arrayBuffer()).length).toBe(FAKE_SPEECH.length)
    const pcmRow = await rowOf(pcm.headers.get('x-request-id'))
    // 64,000 bytes of 24 kHz 16-bit PCM = 1⅓ s × 1,250 tokens/min = 27.8 → 28 audio tokens × $12/M = $0.000336;
    // "Hello" is 1 o200k token × $0.60/M = $0.0000006.
    expect(pcmRow).toMatchObject({ input_tokens: 1, output_tokens: 28 })
    expect(costs(pcmRow)).toEqual({ input: '0.0000006', output: '0.000336', total: '0.0003366', status: 'estimated' })
  })

  it('a client leaving mid-stream aborts the upstream and leaves one client_aborted row', async () => {
    const controller = new AbortController()
    const response = await u.client.audio.speech.create({ model: 'tts-1-hd', voice: 'alloy', input: 'Stall [fault:stall]' }, { signal: controller.signal })
    const reader = response.body!.getReader()
    expect((await reader.read()).value?.length).toBeGreaterThan(0)
    controller.abort()
    await expect.poll(() => upstream.calls.at(-1)!.aborted, { timeout: 15_000 }).toBe(true)
    const row = await rowOf(response.headers.get('x-request-id'))
    // OpenAI bills the 19 characters it was sent: 19 × $30/M
    expect(row).toMatchObject({ status: 'client_aborted', error_code: 'client_closed_request' })
    expect(costs(row)).toEqual({ input: '0.00057', output: '0', total: '0.00057', status: 'priced' })
  })

  it('refuses bad fields with 400 naming them, and an unknown model with 404', async () => {
    const speed = await refusedWith(u.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x', speed: 5 }))
    expect(speed).toMatchObject({ status: 400, param: 'speed' })
    const instructions = await refusedWith(u.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x', instructions: 'calm' }))
    expect(instructions).toMatchObject({ status: 400, param: 'instructions' })
    const long = await refusedWith(u.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x'.repeat(4097) }))
    expect(long).toMatchObject({ status: 400, param: 'input' })
    const unknown = await refusedWith(u.client.audio.speech.create({ model: 'tts-9', voice: 'alloy', input: 'x' }))
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' })
  })
})

describe('with no OpenAI key (the shared server): the simulator serves audio offline', () => {
  it('transcribes and speaks, each call priced as the real model', async () => {
    const offline = await createGatewayUser(inject('baseUrl'))
    const { data, response } = await offline.client.audio.transcriptions.create({ model: 'whisper-1', file: await wav() }).withResponse()
    expect(data.text).toBe('[Simulated whisper-1] transcript of speech.wav, 13 seconds of audio.')
    const speech = await offline.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x'.repeat(45), response_format: 'wav' })
    expect(audioDuration(new Uint8Array(await speech.arrayBuffer()))).toEqual({ seconds: 3, exact: true, format: 'wav' })
    const rows = await usageRows(inject('nextDatabaseUrl'), offline.id, 2)
    const transcription = rows.find((r) => r.request_id === response.headers.get('x-request-id'))!
    expect(transcription).toMatchObject({ provider: 'simulator', model: 'whisper-1', service_type: 'audio', cost_status: 'priced' })
    expect(canonical(transcription.total_cost)).toBe('0.0013')
    // 45 characters × $15/M
    expect(canonical(rows.find((r) => r.request_id === speech.headers.get('x-request-id'))!.total_cost)).toBe('0.000675')
  })
})
