// Prompt tokens of a chat request's tool definitions. OpenAI does not send the JSON schemas to
// the model: it renders the functions as TypeScript-like declarations in a `namespace
// functions { … }` block of the system prompt. Tollgate follows the `openai-chat-tokens` package
// (github.com/hmarr/openai-chat-tokens, fitted against the API's own counts): the same
// rendering, plus 9 tokens of framing, minus 4 when the request already has a system message
// (the definitions join it instead of adding one), plus a forced tool_choice's name and 4. (The
// openai-cookbook's `num_tokens_for_tools` tallies fixed costs per key instead; the rendering
// counts what the model actually reads, descriptions and enums included.)
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'

type Schema = Record<string, unknown>
type FunctionDefinition = { name: string; description?: string; parameters?: Schema }

const FRAMING = 9
const SHARED_SYSTEM_MESSAGE = 4
// Deeper schemas are counted as their JSON (no rendering), so recursion stays bounded.
const MAX_DEPTH = 16

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The request fields that put tools in the prompt (chat's `tools`/`tool_choice` and the legacy `functions`/`function_call`). */
export type ToolFields = { tools?: unknown; tool_choice?: unknown; functions?: unknown; function_call?: unknown; [field: string]: unknown }

/** Tokens the tool definitions (and a forced choice) add to the prompt; 0 without tools. */
export function toolDefinitionTokens(request: ToolFields, hasSystemMessage: boolean): number {
  const functions: FunctionDefinition[] = []
  // Tools that are not functions (custom, or a vendor's built-ins) are counted as their JSON.
  let other = 0
  for (const tool of Array.isArray(request.tools) ? request.tools : []) {
    if (isObject(tool) && tool.type === 'function' && isObject(tool.function) && typeof tool.function.name === 'string') functions.push(tool.function as FunctionDefinition)
    else if (tool !== null && tool !== undefined) other += countTokens(JSON.stringify(tool))
  }
  for (const f of Array.isArray(request.functions) ? request.functions : []) if (isObject(f) && typeof f.name === 'string') functions.push(f as FunctionDefinition)
  if (!functions.length && !other) return 0
  const definitions = functions.length ? countTokens(renderFunctions(functions)) : 0
  return definitions + other + FRAMING - (hasSystemMessage ? SHARED_SYSTEM_MESSAGE : 0) + choiceTokens(request.tool_choice ?? request.function_call)
}

/** "none" costs a token; a named function its name and 4; "auto" (the default) and "required" nothing counted. */
function choiceTokens(choice: unknown): number {
  if (choice === 'none') return 1
  if (!isObject(choice)) return 0
  const name = isObject(choice.function) ? choice.function.name : choice.name
  return typeof name === 'string' ? countTokens(name) + 4 : 0
}

/** The functions as OpenAI renders them into the prompt. */
export function renderFunctions(functions: readonly FunctionDefinition[]): string {
  const lines = ['namespace functions {', '']
  for (const f of functions) {
    if (typeof f.description === 'string' && f.description) lines.push(`// ${f.description}`)
    const parameters = isObject(f.parameters) ? f.parameters : {}
    if (isObject(parameters.properties) && Object.keys(parameters.properties).length > 0) {
      lines.push(`type ${f.name} = (_: {`, renderProperties(parameters, 0, 1), '}) => any;')
    } else {
      lines.push(`type ${f.name} = () => any;`)
    }
    lines.push('')
  }
  lines.push('} // namespace functions')
  return lines.join('\n')
}

function renderProperties(schema: Schema, indent: number, depth: number): string {
  // A Set: a hostile schema's thousands of properties and `required` entries stay linear.
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const lines: string[] = []
  for (const [name, property] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
    const p = isObject(property) ? property : {}
    if (typeof p.description === 'string' && p.description) lines.push(`// ${p.description}`)
    lines.push(`${name}${required.has(name) ? '' : '?'}: ${renderType(p, indent, depth)},`)
  }
  return lines.map((line) => ' '.repeat(indent) + line).join('\n')
}

function renderType(p: Schema, indent: number, depth: number): string {
  if (depth > MAX_DEPTH) return JSON.stringify(p)
  const values = Array.isArray(p.enum) ? p.enum : null
  switch (p.type) {
    case 'string':
      return values ? values.map((v) => JSON.stringify(String(v))).join(' | ') : 'string'
    case 'number':
    case 'integer':
      return values ? values.map((v) => String(v)).join(' | ') : 'number'
    case 'boolean':
      return 'boolean'
    case 'null':
      return 'null'
    case 'object':
      return ['{', renderProperties(p, indent + 2, depth + 1), '}'].join('\n')
    case 'array':
      return isObject(p.items) ? `${renderType(p.items, indent, depth + 1)}[]` : 'any[]'
    default:
      // anyOf, $ref, a type list: what the model reads is not documented, so the JSON is counted.
      return Object.keys(p).length ? JSON.stringify(p) : 'any'
  }
}
