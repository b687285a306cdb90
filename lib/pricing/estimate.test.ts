import { describe, expect, it } from 'vitest'
import { countCompletionTokens, countPromptTokens, defaultOutputCap, estimateChatCost, estimateMaxCost, largestOutputWithin } from '@/lib/pricing/estimate'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { renderFunctions } from '@/lib/pricing/tool-tokens'
import { resolveTextModel } from '@/lib/pricing/text'

describe('estimateMaxCost', () => {
  const messages = [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: 'Hello world, how are you?' },
  ]

  it('counts prompt tokens with OpenAI chat framing', () => {
    expect(countPromptTokens(messages)).toBe(22)
  })

  it('prices prompt tokens at the input rate and max_tokens at the output rate', () => {
    const estimate = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-4o', messages, maxOutputTokens: 1000 })
    // 22 × $2.50/M + 1000 × $10/M
    expect(estimate).toMatchObject({ costStatus: 'estimated', promptTokens: 22, maxOutputTokens: 1000, totalCost: '0.010055' })
  })

  it('holds a capped default when max_tokens is absent', () => {
    const estimate = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-5', messages })
    expect(estimate.maxOutputTokens).toBe(16_384)
    expect(estimate.totalCost).toBe('0.1638675') // 22 × 1.25/M + 16,384 × 10/M
  })

  it('is never below the real cost of a call that stays within max_tokens', () => {
    const estimate = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-4o-mini', messages, maxOutputTokens: 200 })
    const actual = estimateMaxCost({ service: 'chat', provider: 'openai', model: 'gpt-4o-mini', messages, maxOutputTokens: 57 })
    expect(Number(estimate.totalCost)).toBeGreaterThan(Number(actual.totalCost))
  })

  it('counts image parts and text parts of multimodal messages; a remote image (never fetched) as the costliest high-detail one', () => {
    const withImage = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://x' } }] }]
    expect(countPromptTokens(withImage)).toBe(countPromptTokens([{ role: 'user', content: 'What is this?' }]) + 85 + 170 * 8)
  })

  it('prices images and video by their own tables, "auto" at the costliest option', () => {
    expect(estimateMaxCost({ service: 'image', provider: 'openai', model: 'gpt-image-1', count: 2 }).totalCost).toBe('0.5')
    expect(estimateMaxCost({ service: 'video', provider: 'runway', model: 'gen4_turbo', seconds: 10 }).totalCost).toBe('0.5')
  })

  it('is unpriced, with null cost, for an unknown model', () => {
    expect(estimateMaxCost({ service: 'chat', provider: 'openai', model: 'mystery', messages })).toMatchObject({ costStatus: 'unpriced', totalCost: null })
  })
})

describe('countPromptTokens with unusual messages', () => {
  it('accepts an assistant turn that only calls tools, and parts of any shape', () => {
    expect(() => countPromptTokens([{ role: 'assistant' }, { role: 'user', content: [null, 7, { type: 'text', text: 'hi' }] }])).not.toThrow()
  })
})

// A 1500×700 PNG (made by libvips): under 2048 and its short side under 768, so 3 × 2 tiles.
const PNG_1500x700 =
  'iVBORw0KGgoAAAANSUhEUgAABdwAAAK8CAMAAADCuI2CAAAAA1BMVEX/AAAZ4gk3AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAEEUlEQVR42u3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB+Bgk8AAEJJkplAAAAAElFTkSuQmCC'

describe('counting tools, tool calls and images (what an upstream without usage leaves Tollgate to count)', () => {
  const question = [{ role: 'user', content: 'Weather in Paris?' }]
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string', description: 'The city' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
    },
  }

  it('renders function definitions as OpenAI puts them in the prompt (the openai-chat-tokens rendering)', () => {
    expect(renderFunctions([weather.function])).toBe(
      ['namespace functions {', '', '// The current weather in a city', 'type get_weather = (_: {', '// The city', 'city: string,', 'unit?: "c" | "f",', '}) => any;', '', '} // namespace functions'].join('\n'),
    )
  })

  it('adds the rendered definitions and 9 tokens of framing (5 with a system message, which they join)', () => {
    const rendered = countTokens(renderFunctions([weather.function]))
    expect(countPromptTokens(question, { request: { tools: [weather] } })).toBe(countPromptTokens(question) + rendered + 9)
    const withSystem = [{ role: 'system', content: 'Be brief.' }, ...question]
    expect(countPromptTokens(withSystem, { request: { tools: [weather] } })).toBe(countPromptTokens(withSystem) + rendered + 5)
    // The legacy `functions` field, and a forced choice (its name and 4).
    expect(countPromptTokens(question, { request: { functions: [weather.function], function_call: { name: 'get_weather' } } })).toBe(
      countPromptTokens(question) + rendered + 9 + countTokens('get_weather') + 4,
    )
  })

  it('counts hostile schemas without failing: deep nesting, odd types, non-function tools', () => {
    let deep: Record<string, unknown> = { type: 'string' }
    for (let i = 0; i < 500; i += 1) deep = { type: 'object', properties: { x: deep } }
    const odd = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { anyOf: [{ type: 'string' }] }, b: null, c: { type: 'array' } } } } }
    const count = countPromptTokens(question, { request: { tools: [{ type: 'function', function: { name: 'deep', parameters: deep } }, odd, { type: 'custom', custom: { name: 'grep' } }, null, 7] } })
    expect(count).toBeGreaterThan(countPromptTokens(question) + 500)
    // 20,000 properties, all required: counted in linear time (a list lookup per property would not end).
    const names = Array.from({ length: 20_000 }, (_, i) => `p${i}`)
    const wide = { type: 'object', properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])), required: names }
    expect(countPromptTokens(question, { request: { tools: [{ type: 'function', function: { name: 'wide', parameters: wide } }] } })).toBeGreaterThan(40_000)
  })

  it('counts an assistant turn\'s tool calls (name, arguments, framing) and the tool\'s result', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }
    const history = [...question, { role: 'assistant', content: null, tool_calls: [call] }]
    expect(countPromptTokens(history)).toBe(countPromptTokens([...question, { role: 'assistant', content: null }]) + countTokens('get_weather') + countTokens('{"city":"Paris"}') + 3)
    const answered = [...history, { role: 'tool', tool_call_id: 'call_1', content: 'Sunny, 24 degrees and a light breeze from the west' }]
    expect(countPromptTokens(answered) - countPromptTokens(history)).toBeGreaterThanOrEqual(countTokens('Sunny, 24 degrees and a light breeze from the west'))
  })

  it('counts a data: URL image by its size read from its header, at its detail, at the model\'s tile price', () => {
    const image = (detail?: string) => [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1500x700}`, ...(detail ? { detail } : {}) } }] }]
    const empty = countPromptTokens([{ role: 'user', content: [] }])
    expect(countPromptTokens(image()) - empty).toBe(85 + 170 * 6)
    expect(countPromptTokens(image('high')) - empty).toBe(85 + 170 * 6)
    expect(countPromptTokens(image('low')) - empty).toBe(85)
    expect(countPromptTokens(image(), { models: ['gpt-4o-mini'] }) - empty).toBe(2833 + 5667 * 6)
    // Several routes: the dearest model's count.
    expect(countPromptTokens(image(), { models: ['gpt-4o', 'gpt-4o-mini'] }) - empty).toBe(2833 + 5667 * 6)
  })

  it('counts an answer\'s tool calls in its output: a reply that only calls tools is never 0 tokens', () => {
    const calls = [{ name: 'get_weather', arguments: '{"city":"Paris"}' }, { name: 'get_weather', arguments: '{"city":"Rome"}' }]
    expect(countCompletionTokens('', calls)).toBe(2 * (countTokens('get_weather') + 3) + countTokens('{"city":"Paris"}') + countTokens('{"city":"Rome"}'))
    expect(countCompletionTokens('Hello')).toBe(countTokens('Hello'))
  })
})

describe('output caps', () => {
  const gpt4o = resolveTextModel('openai', 'gpt-4o')

  it('defaults to 16,384 per answer, less for models that cannot write that much or a nearly full context', () => {
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-4o'), 22)).toBe(16_384)
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-3.5-turbo'), 22)).toBe(4_096)
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-4'), 8_000)).toBe(192)
    expect(defaultOutputCap(resolveTextModel('openai', 'gpt-4o'), 200_000)).toBe(1)
    expect(defaultOutputCap(resolveTextModel('openai', 'mystery'), 22)).toBe(4_096)
  })

  it('finds the largest cap per answer whose hold fits the room left, exactly', () => {
    // 22 × $2.50/M = $0.000055 of prompt; 16 answers × t tokens × $10/M must fit in what is left of $0.50.
    const fits = largestOutputWithin(gpt4o, 22, 16, '0.5', 16_384)!
    expect(fits).toBe(3_124)
    expect(Number(estimateChatCost(gpt4o, 22, fits * 16).totalCost)).toBeLessThanOrEqual(0.5)
    expect(Number(estimateChatCost(gpt4o, 22, (fits + 1) * 16).totalCost)).toBeGreaterThan(0.5)
  })

  it('never goes past the ceiling, answers 0 when not even the prompt fits, null when unpriced', () => {
    expect(largestOutputWithin(gpt4o, 22, 1, '1000', 16_384)).toBe(16_384)
    expect(largestOutputWithin(gpt4o, 22, 1, '0.00001', 16_384)).toBe(0)
    expect(largestOutputWithin(resolveTextModel('openai', 'mystery'), 22, 1, '1', 16_384)).toBeNull()
  })
})
