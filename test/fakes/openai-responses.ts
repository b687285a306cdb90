// The fake OpenAI's Responses API (test/fakes/openai.ts dispatches /responses here): POST
// /responses plain and streamed (OpenAI's semantic events, in its order and shapes, each with
// its sequence_number, `event:` line and no [DONE]), and GET/DELETE /responses/{id} of the
// responses it stored (store defaults to true, as OpenAI's does). Markers in the last user text:
//   [tool] a function_call of the first function tool (text once the last item is its output);
//   [json] JSON_REPLY when text.format is a json_schema with a schema; [reasoning] a reasoning
//   item and 100 reasoning tokens; [cached] 800 cached input tokens; [web-search] a
//   web_search_call item before the message (with a web search tool declared);
//   [fault:500] [fault:400] [fault:429]; in a stream, after two text deltas: [fault:stream-error]
//   an error event, [fault:truncate] a clean end without response.completed, [fault:stall] silence.
// Usage: 1,000 input tokens, 500 output tokens (or max_output_tokens, then status incomplete).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { FAKE_REPLY, JSON_REPLY, TOOL_ARGS, type FakeOpenAI } from './openai'

const stores = new WeakMap<FakeOpenAI, Map<string, Record<string, unknown>>>()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
const notFound = (res: ServerResponse, id: string, param: string | null = null) =>
  send(res, 404, { error: { message: param ? `Previous response with id '${id}' not found.` : `Response with id '${id}' not found.`, type: 'invalid_request_error', param, code: param ? 'previous_response_not_found' : null } })

/** The text of the last user turn: the input string, or the last user message's text parts. */
function lastUserText(body: Record<string, unknown>): string {
  if (typeof body.input === 'string') return body.input
  const items = Array.isArray(body.input) ? (body.input as { role?: string; content?: unknown }[]) : []
  const last = [...items].reverse().find((i) => i.role === 'user')
  if (typeof last?.content === 'string') return last.content
  return Array.isArray(last?.content) ? (last.content as { text?: unknown }[]).map((p) => (typeof p.text === 'string' ? p.text : '')).join('\n') : ''
}

/** The output items of one answer, whole. */
function outputFor(body: Record<string, unknown>, text: string, n: number): Record<string, unknown>[] {
  const output: Record<string, unknown>[] = []
  const tools = Array.isArray(body.tools) ? (body.tools as { type: string; name?: string }[]) : []
  const items = Array.isArray(body.input) ? (body.input as { type?: string }[]) : []
  if (text.includes('[reasoning]')) output.push({ id: `rs_fake${n}`, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking it over.' }] })
  if (text.includes('[web-search]') && tools.some((t) => t.type.startsWith('web_search')))
    output.push({ id: `ws_fake${n}`, type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'weather in Paris' } })
  const fn = tools.find((t) => t.type === 'function')
  if (text.includes('[tool]') && fn && items.at(-1)?.type !== 'function_call_output') {
    output.push({ id: `fc_fake${n}`, type: 'function_call', status: 'completed', call_id: `call_fake${n}`, name: fn.name, arguments: JSON.stringify(TOOL_ARGS[0]) })
    return output
  }
  const format = (body.text as { format?: { type?: string; schema?: unknown } } | undefined)?.format
  const reply = text.includes('[json]') && format?.type === 'json_schema' && typeof format.schema === 'object' ? JSON_REPLY : FAKE_REPLY.join('')
  output.push({ id: `msg_fake${n}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: reply, annotations: [], logprobs: [] }] })
  return output
}

function responseFor(body: Record<string, unknown>, text: string, n: number) {
  const cap = typeof body.max_output_tokens === 'number' ? body.max_output_tokens : Infinity
  const output = Math.min(500, cap)
  return {
    id: `resp_fake${n}_${Date.now().toString(36)}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: output < 500 ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: output < 500 ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: `${String(body.model)}-2024-08-06`,
    output: outputFor(body, text, n),
    parallel_tool_calls: true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: (body.reasoning as { effort?: string } | undefined)?.effort ?? null, summary: null },
    store: body.store !== false,
    temperature: 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: 1,
    truncation: 'disabled',
    usage: {
      input_tokens: 1000,
      input_tokens_details: { cached_tokens: text.includes('[cached]') ? 800 : 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: text.includes('[reasoning]') ? 100 : 0 },
      total_tokens: 1000 + output,
    },
    metadata: body.metadata ?? {},
  }
}

/** The semantic events of one answer, in OpenAI's order, up to (not including) the terminal event. */
function eventsOf(response: ReturnType<typeof responseFor>): Record<string, unknown>[] {
  const pending = { ...response, status: 'in_progress', output: [], usage: null, incomplete_details: null }
  const events: Record<string, unknown>[] = [
    { type: 'response.created', response: pending },
    { type: 'response.in_progress', response: pending },
  ]
  response.output.forEach((item, output_index) => {
    const id = item.id
    if (item.type === 'reasoning') {
      const part = { type: 'summary_text', text: '' }
      const text = (item.summary as { text: string }[])[0].text
      events.push({ type: 'response.output_item.added', output_index, item: { ...item, summary: [] } })
      events.push({ type: 'response.reasoning_summary_part.added', item_id: id, output_index, summary_index: 0, part })
      events.push({ type: 'response.reasoning_summary_text.delta', item_id: id, output_index, summary_index: 0, delta: text })
      events.push({ type: 'response.reasoning_summary_text.done', item_id: id, output_index, summary_index: 0, text })
      events.push({ type: 'response.reasoning_summary_part.done', item_id: id, output_index, summary_index: 0, part: { ...part, text } })
    } else if (item.type === 'web_search_call') {
      events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress' } })
      for (const step of ['in_progress', 'searching', 'completed']) events.push({ type: `response.web_search_call.${step}`, item_id: id, output_index })
    } else if (item.type === 'function_call') {
      const args = item.arguments as string
      events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', arguments: '' } })
      for (const delta of [args.slice(0, 5), args.slice(5)]) events.push({ type: 'response.function_call_arguments.delta', item_id: id, output_index, delta })
      events.push({ type: 'response.function_call_arguments.done', item_id: id, output_index, name: item.name, arguments: args })
    } else {
      const text = (item.content as { text: string }[])[0].text
      const at = { item_id: id, output_index, content_index: 0 }
      events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } })
      events.push({ type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } })
      const pieces = text === FAKE_REPLY.join('') ? FAKE_REPLY : [text.slice(0, 5), text.slice(5)]
      for (const delta of pieces) events.push({ type: 'response.output_text.delta', ...at, delta, logprobs: [] })
      events.push({ type: 'response.output_text.done', ...at, text, logprobs: [] })
      events.push({ type: 'response.content_part.done', ...at, part: (item.content as unknown[])[0] })
    }
    events.push({ type: 'response.output_item.done', output_index, item })
  })
  return events
}

/** Serves one /responses request of the fake OpenAI (already authenticated and recorded). */
export async function serveResponses(fake: FakeOpenAI, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const store = stores.get(fake) ?? stores.set(fake, new Map()).get(fake)!
  const path = (req.url ?? '').split('?')[0]
  const id = path.slice('/responses/'.length)
  if (req.method === 'GET' && id) return store.has(id) ? send(res, 200, store.get(id)) : notFound(res, id)
  if (req.method === 'DELETE' && id) return store.delete(id) ? send(res, 200, { id, object: 'response', deleted: true }) : notFound(res, id)
  const text = lastUserText(body)
  if (text.includes('[fault:500]')) return send(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })
  if (text.includes('[fault:400]')) return send(res, 400, { error: { message: "Invalid value for 'temperature': must be at most 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } })
  if (text.includes('[fault:429]')) return send(res, 429, { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } })
  const previous = body.previous_response_id
  if (typeof previous === 'string' && !store.has(previous)) return notFound(res, previous, 'previous_response_id')
  const response = responseFor(body, text, fake.calls.length)
  if (body.store !== false) store.set(response.id, response)
  if (!body.stream) return send(res, 200, response)

  res.writeHead(200, { 'content-type': 'text/event-stream' })
  let sequence = 0
  const write = (event: Record<string, unknown>) => !res.destroyed && res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: sequence++ })}\n\n`)
  let deltas = 0
  for (const event of eventsOf(response)) {
    if (res.destroyed) return
    if (event.type === 'response.output_text.delta' && deltas++ === 2) {
      if (text.includes('[fault:stream-error]')) {
        write({ type: 'error', code: 'server_error', message: 'The model crashed mid-stream', param: null })
        return void res.end()
      }
      if (text.includes('[fault:truncate]')) return void res.end()
      if (text.includes('[fault:stall]')) return void (await new Promise((resolve) => res.once('close', resolve)))
    }
    write(event)
    await sleep(2)
  }
  write({ type: response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', response })
  res.end()
}
