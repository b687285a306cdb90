// OpenAI chat messages as Gemini contents: system and developer messages become the
// systemInstruction, user/assistant turns become user/model contents (consecutive turns of one
// role merged, as Gemini wants alternating turns), tool results become functionResponse parts.
import { UntranslatableError, type ChatMessage } from '@/lib/providers/types'

export type GeminiPart = Record<string, unknown>
export type GeminiContent = { role: 'user' | 'model'; parts: GeminiPart[] }

/** Image types Gemini reads (ai.google.dev/gemini-api/docs/image-understanding), by extension. */
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif' }

type Part = { type?: unknown; [field: string]: unknown }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `data:<mime>;base64,<data>` as inlineData; only base64 data URLs carry bytes Gemini can take. */
function dataUrl(url: string, param: string): GeminiPart {
  const comma = url.indexOf(',')
  const header = comma > 0 ? url.slice(5, comma) : ''
  if (!header.endsWith(';base64')) throw new UntranslatableError(param, 'a data: URL must be base64 (data:<type>;base64,<data>)')
  const mimeType = header.slice(0, -';base64'.length).split(';')[0]
  if (!mimeType.includes('/')) throw new UntranslatableError(param, 'a data: URL must name its media type (data:image/png;base64,…)')
  return { inlineData: { mimeType, data: url.slice(comma + 1) } }
}

/**
 * An image by URL. Gemini fetches public HTTPS URLs itself (fileData, since January 2026) but
 * needs their media type, which OpenAI's image_url does not carry: it is read from the
 * extension, and a URL without a known one is refused rather than sent with a guess.
 */
function imageUrl(url: string, param: string): GeminiPart {
  if (url.startsWith('data:')) return dataUrl(url, param)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UntranslatableError(param, 'image_url.url is neither a data: URL nor an absolute URL')
  }
  if (parsed.protocol !== 'https:') throw new UntranslatableError(param, `Gemini fetches images only over HTTPS, not ${parsed.protocol.slice(0, -1)}: send the image as a data: URL`)
  const name = parsed.pathname.slice(parsed.pathname.lastIndexOf('/') + 1)
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : ''
  const mimeType = IMAGE_TYPES[ext]
  if (!mimeType)
    throw new UntranslatableError(param, `Gemini needs the image's type, read from the URL's extension (${Object.keys(IMAGE_TYPES).join(', ')}); this URL has none it knows: send the image as a data: URL`)
  return { fileData: { mimeType, fileUri: url } }
}

/** OpenAI's file part: inline data only (an OpenAI file id means nothing to Google). */
function filePart(file: unknown, param: string): GeminiPart {
  const f = isObject(file) ? file : {}
  if (typeof f.file_data !== 'string') throw new UntranslatableError(`${param}.file`, 'Gemini takes a file as file_data (a base64 data: URL); file ids are OpenAI\'s')
  if (f.file_data.startsWith('data:')) return dataUrl(f.file_data, `${param}.file.file_data`)
  if (typeof f.filename === 'string' && f.filename.toLowerCase().endsWith('.pdf')) return { inlineData: { mimeType: 'application/pdf', data: f.file_data } }
  throw new UntranslatableError(`${param}.file.file_data`, 'Gemini needs the file\'s media type: send file_data as a data: URL (data:application/pdf;base64,…)')
}

const AUDIO_TYPES: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mp3' }

function userPart(part: Part, param: string): GeminiPart {
  switch (part.type) {
    case 'text':
      return { text: String(part.text ?? '') }
    case 'image_url': {
      // `detail` is a resolution hint; Gemini chooses image resolution itself (documented).
      const url = isObject(part.image_url) ? part.image_url.url : undefined
      if (typeof url !== 'string') throw new UntranslatableError(`${param}.image_url.url`, 'is required')
      return imageUrl(url, `${param}.image_url.url`)
    }
    case 'input_audio': {
      const audio = isObject(part.input_audio) ? part.input_audio : {}
      const mimeType = AUDIO_TYPES[String(audio.format)]
      if (!mimeType || typeof audio.data !== 'string') throw new UntranslatableError(`${param}.input_audio`, 'Gemini takes input_audio as base64 data in format wav or mp3')
      return { inlineData: { mimeType, data: audio.data } }
    }
    case 'file':
      return filePart(part.file, param)
    default:
      throw new UntranslatableError(`${param}.type`, `content part type ${JSON.stringify(part.type)} has no Gemini equivalent`)
  }
}

/** Text-only content (system, assistant, tool): a string or text parts. */
function textOf(content: unknown, param: string, allowRefusal = false): string {
  if (content === null || content === undefined) return ''
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw new UntranslatableError(param, 'must be a string or an array of content parts')
  return content
    .map((p: Part, j) => {
      if (p?.type === 'text') return String(p.text ?? '')
      if (allowRefusal && p?.type === 'refusal') return String(p.refusal ?? '')
      throw new UntranslatableError(`${param}[${j}].type`, `only text parts are accepted here, not ${JSON.stringify(p?.type)}`)
    })
    .join('')
}

function userParts(content: unknown, param: string): GeminiPart[] {
  if (typeof content === 'string') return [{ text: content }]
  if (!Array.isArray(content)) throw new UntranslatableError(param, 'must be a string or an array of content parts')
  return content.map((p: Part, j) => userPart(p ?? {}, `${param}[${j}]`))
}

/** Arguments JSON as Gemini's args object; an empty string is the empty object. */
function callArgs(text: unknown, param: string): Record<string, unknown> {
  if (text === '' || text === undefined) return {}
  let args: unknown
  try {
    args = JSON.parse(String(text))
  } catch {
    throw new UntranslatableError(param, 'is not valid JSON (Gemini takes function arguments as an object)')
  }
  if (!isObject(args)) throw new UntranslatableError(param, 'must be a JSON object (Gemini takes function arguments as an object)')
  return args
}

type ToolCall = { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown }; extra_content?: { google?: { thought_signature?: unknown } } }

function modelParts(message: ChatMessage, i: number, names: Map<string, string>): GeminiPart[] {
  if (message.audio != null) throw new UntranslatableError(`messages[${i}].audio`, 'Gemini cannot replay OpenAI audio output')
  const text = textOf(message.content, `messages[${i}].content`, true)
  const parts: GeminiPart[] = text ? [{ text }] : []
  const calls = (message.tool_calls ?? []) as ToolCall[]
  if (!Array.isArray(calls)) throw new UntranslatableError(`messages[${i}].tool_calls`, 'must be an array')
  calls.forEach((call, k) => {
    const param = `messages[${i}].tool_calls[${k}]`
    if (call?.type !== 'function' || typeof call.function?.name !== 'string') throw new UntranslatableError(`${param}.type`, 'only function tool calls translate to Gemini')
    if (typeof call.id === 'string') names.set(call.id, call.function.name)
    // Gemini 3 requires a call's thought signature back; the adapter hands it out where
    // Google's own OpenAI endpoint does (extra_content.google.thought_signature).
    const signature = call.extra_content?.google?.thought_signature
    parts.push({ functionCall: { name: call.function.name, args: callArgs(call.function.arguments, `${param}.function.arguments`) }, ...(typeof signature === 'string' ? { thoughtSignature: signature } : {}) })
  })
  return parts
}

function toolResponse(message: ChatMessage, i: number, names: Map<string, string>): GeminiPart {
  const id = message.tool_call_id
  const name = typeof id === 'string' ? names.get(id) : undefined
  if (!name) throw new UntranslatableError(`messages[${i}].tool_call_id`, 'matches no tool call of an earlier assistant message (Gemini needs the function\'s name)')
  const text = textOf(message.content, `messages[${i}].content`)
  let output: unknown = text
  try {
    output = JSON.parse(text)
  } catch {
    // Plain text stays text.
  }
  // js-genai FunctionResponse: the function's result goes under "output".
  return { functionResponse: { name, response: { output } } }
}

/** The systemInstruction and contents of a Gemini request. */
export function geminiContents(messages: ChatMessage[]): { systemInstruction?: { parts: GeminiPart[] }; contents: GeminiContent[] } {
  const system: GeminiPart[] = []
  const contents: GeminiContent[] = []
  const names = new Map<string, string>()
  const push = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    if (parts.length === 0) return
    const last = contents.at(-1)
    if (last?.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
  }
  messages.forEach((message, i) => {
    // A participant's name changes what the model reads, and Gemini has nowhere to put it.
    if (message.name != null && ['system', 'developer', 'user', 'assistant'].includes(message.role)) throw new UntranslatableError(`messages[${i}].name`, 'Gemini has no participant names')
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, `messages[${i}].content`)
        if (text) system.push({ text })
        return
      }
      case 'user':
        return push('user', userParts(message.content, `messages[${i}].content`))
      case 'assistant':
        return push('model', modelParts(message, i, names))
      case 'tool':
        return push('user', [toolResponse(message, i, names)])
      default:
        throw new UntranslatableError(`messages[${i}].role`, `role ${JSON.stringify(message.role)} has no Gemini equivalent (use tool messages for function results)`)
    }
  })
  if (contents.length === 0) throw new UntranslatableError('messages', 'Gemini needs at least one user or assistant message besides the system prompt')
  return { ...(system.length ? { systemInstruction: { parts: system } } : {}), contents }
}
