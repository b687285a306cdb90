// OpenAI chat messages → Anthropic's `system` and alternating user/assistant turns. Every part
// either has a faithful Anthropic block or is refused naming its path in the caller's body.
import { UntranslatableError, type ChatMessage } from '@/lib/providers/types'

export type Block = { type: string; [field: string]: unknown }
export type Turn = { role: 'user' | 'assistant'; content: Block[] }
export type SystemBlock = { type: 'text'; text: string; cache_control?: unknown }

/** The media types Anthropic's image blocks accept (base64 sources). */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A text block, keeping an Anthropic `cache_control` marker when the caller put one on the part (OpenRouter's convention). */
function textBlock(text: string, part?: Record<string, unknown>): Block {
  return part?.cache_control !== undefined ? { type: 'text', text, cache_control: part.cache_control } : { type: 'text', text }
}

/**
 * A data: URL split by hand (no regex over user input): `data:<media type>[;params],<payload>`.
 * Only base64 payloads are accepted: Anthropic's base64 source takes nothing else.
 */
function dataUrl(url: string, path: string): { mediaType: string; data: string } {
  const comma = url.indexOf(',')
  const header = comma < 0 ? '' : url.slice(5, comma)
  const [mediaType, ...params] = header.split(';')
  if (comma < 0 || !params.includes('base64')) throw new UntranslatableError(path, 'a data: URL must be base64-encoded (data:<media type>;base64,<data>)')
  return { mediaType: mediaType.trim().toLowerCase(), data: url.slice(comma + 1) }
}

function imageBlock(part: Record<string, unknown>, path: string): Block {
  const image = part.image_url
  const url = typeof image === 'string' ? image : isObject(image) && typeof image.url === 'string' ? image.url : undefined
  if (!url) throw new UntranslatableError(`${path}.image_url`, 'must carry a url')
  // `detail` has no Anthropic equivalent and does not change the answer's meaning: Anthropic
  // always reads the image at its own resolution (and bills it so).
  if (url.startsWith('data:')) {
    const { mediaType, data } = dataUrl(url, `${path}.image_url`)
    if (!IMAGE_TYPES.has(mediaType)) throw new UntranslatableError(`${path}.image_url`, `Anthropic accepts image/jpeg, image/png, image/gif or image/webp, not ${mediaType || 'an unnamed type'}`)
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data } }
  }
  if (url.startsWith('https://')) return { type: 'image', source: { type: 'url', url } }
  throw new UntranslatableError(`${path}.image_url`, 'Anthropic fetches images from https:// URLs only; send other images as a base64 data: URL')
}

/** OpenAI's `file` part with inline PDF data → Anthropic's document block (its only inline file type besides text). */
function fileBlock(part: Record<string, unknown>, path: string): Block {
  const file = isObject(part.file) ? part.file : {}
  if (typeof file.file_data !== 'string') throw new UntranslatableError(`${path}.file`, 'only inline file_data is supported (Anthropic cannot read OpenAI file ids)')
  const { mediaType, data } = dataUrl(file.file_data, `${path}.file.file_data`)
  if (mediaType !== 'application/pdf') throw new UntranslatableError(`${path}.file.file_data`, `Anthropic reads inline PDF documents only, not ${mediaType || 'an unnamed type'}`)
  return { type: 'document', source: { type: 'base64', media_type: mediaType, data }, ...(typeof file.filename === 'string' ? { title: file.filename } : {}) }
}

/** A message's content as blocks; `allowed` lists the part types its role may carry. */
function blocks(content: unknown, path: string, allowed: readonly string[]): Block[] {
  if (content === null || content === undefined) return []
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  if (!Array.isArray(content)) throw new UntranslatableError(path, 'must be a string or an array of content parts')
  return content.flatMap((part, i): Block[] => {
    const at = `${path}[${i}]`
    if (!isObject(part) || typeof part.type !== 'string') throw new UntranslatableError(at, 'must be a content part with a type')
    if (!allowed.includes(part.type)) throw new UntranslatableError(`${at}.type`, `a ${part.type} part cannot be sent to Anthropic here`)
    if (part.type === 'text' || part.type === 'refusal') {
      const text = part.type === 'text' ? part.text : part.refusal
      if (typeof text !== 'string') throw new UntranslatableError(at, `must carry its ${part.type} as a string`)
      // Anthropic refuses empty text blocks; an empty part says nothing.
      return text === '' ? [] : [textBlock(text, part)]
    }
    if (part.type === 'image_url') return [imageBlock(part, at)]
    return [fileBlock(part, at)]
  })
}

function toolUse(call: unknown, path: string): Block {
  const c = isObject(call) ? call : {}
  const fn = isObject(c.function) ? c.function : {}
  if (c.type !== undefined && c.type !== 'function') throw new UntranslatableError(`${path}.type`, 'only function tool calls can be sent to Anthropic')
  if (typeof c.id !== 'string' || typeof fn.name !== 'string') throw new UntranslatableError(path, 'a tool call needs an id and function.name')
  let input: unknown = {}
  const args = typeof fn.arguments === 'string' ? fn.arguments.trim() : ''
  if (args !== '') {
    try {
      input = JSON.parse(args)
    } catch {
      throw new UntranslatableError(`${path}.function.arguments`, 'is not valid JSON (Anthropic takes tool input as a JSON object)')
    }
  }
  if (!isObject(input)) throw new UntranslatableError(`${path}.function.arguments`, 'must be a JSON object (Anthropic takes tool input as an object)')
  return { type: 'tool_use', id: c.id, name: fn.name, input }
}

/**
 * Thinking blocks this gateway returned on an earlier answer (`thinking_blocks`, LiteLLM's
 * field), replayed first in the assistant turn: Anthropic needs them, signature intact, when
 * thinking and tools are used together.
 */
function thinkingBlocks(value: unknown, path: string): Block[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new UntranslatableError(path, 'must be an array of thinking blocks')
  return value.map((b, i) => {
    if (isObject(b) && b.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string') return { type: 'thinking', thinking: b.thinking, signature: b.signature }
    if (isObject(b) && b.type === 'redacted_thinking' && typeof b.data === 'string') return { type: 'redacted_thinking', data: b.data }
    throw new UntranslatableError(`${path}[${i}]`, 'must be a thinking block as returned ({type:"thinking", thinking, signature} or {type:"redacted_thinking", data})')
  })
}

function toolResult(message: ChatMessage, path: string): Block {
  if (typeof message.tool_call_id !== 'string') throw new UntranslatableError(`${path}.tool_call_id`, 'is required on a tool message')
  const content = blocks(message.content, `${path}.content`, ['text', 'image_url'])
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content }
}

/**
 * Translates `messages`. System and developer messages, wherever they stand, become the system
 * prompt in their order (Anthropic has one system prompt; its own OpenAI endpoint does the same).
 * Consecutive turns of one role merge, as Anthropic would merge them; tool results become
 * tool_result blocks of a user turn, so parallel results stay together and in order.
 */
export function translateMessages(messages: ChatMessage[]): { system: SystemBlock[]; turns: Turn[] } {
  const system: SystemBlock[] = []
  const turns: Turn[] = []
  const push = (role: Turn['role'], content: Block[]) => {
    // An empty message (an assistant "" without calls) says nothing; Anthropic refuses empty turns.
    if (content.length === 0) return
    const last = turns.at(-1)
    if (last?.role === role) last.content.push(...content)
    else turns.push({ role, content })
  }
  messages.forEach((message, i) => {
    const path = `messages[${i}]`
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const b of blocks(message.content, `${path}.content`, ['text'])) system.push(b as SystemBlock)
        return
      case 'user':
        return push('user', blocks(message.content, `${path}.content`, ['text', 'image_url', 'file']))
      case 'assistant': {
        const calls = message.tool_calls
        if (calls !== undefined && calls !== null && !Array.isArray(calls)) throw new UntranslatableError(`${path}.tool_calls`, 'must be an array')
        if (message.function_call) throw new UntranslatableError(`${path}.function_call`, 'the deprecated function_call is not translated: use tool_calls')
        if (message.audio) throw new UntranslatableError(`${path}.audio`, 'Anthropic has no audio turns')
        return push('assistant', [
          ...thinkingBlocks(message.thinking_blocks, `${path}.thinking_blocks`),
          ...blocks(message.content, `${path}.content`, ['text', 'refusal']),
          ...(calls ?? []).map((call, j) => toolUse(call, `${path}.tool_calls[${j}]`)),
        ])
      }
      case 'tool':
        return push('user', [toolResult(message, path)])
      default:
        throw new UntranslatableError(`${path}.role`, `a ${String(message.role)} message cannot be sent to Anthropic (the deprecated function role: use tool)`)
    }
  })
  return { system, turns }
}
