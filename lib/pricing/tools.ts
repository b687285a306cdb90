// OpenAI's built-in Responses tools, billed per call (or per container session) on top of the
// model's tokens (PROVIDERS-TEXT.md §3.5). Pure. What a tool costs is read from the answer's
// output items (`web_search_call`, `file_search_call`, `code_interpreter_call`); what a call may
// cost at most is held at admission for `max_tool_calls` uses (sent upstream, so the vendor
// cannot run, and bill, more than was held). Tools whose price cannot be known exactly are
// refused: never served unbilled.
import { costOf, formatUsd, parseUsd, sumUsd } from '@/lib/pricing/money'

/** A tool the gateway prices: its price per unit and the output item that is one unit. */
type PricedTool = { unit: 'call' | 'container_session'; price: string; item: string }

// USD per unit, as OpenAI lists them (checked 2026-12-02, PROVIDERS-TEXT.md §3.5).
const WEB_SEARCH = { unit: 'call', price: '0.01', item: 'web_search_call' } as const
/** web_search_preview on a non-reasoning model (gpt-4o, gpt-4.1): $25 / 1k calls, its content tokens free. */
const WEB_SEARCH_PREVIEW_NON_REASONING = { unit: 'call', price: '0.025', item: 'web_search_call' } as const
/** A 20-minute container session with the default 1 GB of memory. */
const CODE_INTERPRETER = { unit: 'container_session', price: '0.03', item: 'code_interpreter_call' } as const

export const TOOL_SOURCE = 'https://platform.openai.com/docs/pricing#built-in-tools (PROVIDERS-TEXT.md §3.5, checked 2026-12-02)'

/** How many built-in tool uses a call may make when the caller sets no max_tool_calls: held at admission and sent upstream. */
export const DEFAULT_MAX_TOOL_CALLS = 10

/** Reasoning models (o-series, gpt-5, codex) pay web_search's rate for web_search_preview too. */
export const isReasoningModel = (model: string) => /^(o\d|gpt-5|codex)/i.test(model)

/** Why a tool cannot be served metered, or null when it can (its price below). */
export type ToolVerdict = { priced: PricedTool } | { refused: string }

/** The price of one tool declaration of a native OpenAI call, or why it is refused. */
export function toolVerdict(tool: Record<string, unknown>, model: string): ToolVerdict {
  const type = String(tool.type)
  if (type === 'web_search' || type === 'web_search_2025_08_26') return { priced: WEB_SEARCH }
  if (type === 'web_search_preview' || type === 'web_search_preview_2025_03_11') return { priced: isReasoningModel(model) ? WEB_SEARCH : WEB_SEARCH_PREVIEW_NON_REASONING }
  // Vector stores belong to the gateway's OpenAI account, shared by every caller (who cannot
  // create one through the gateway): a store id named here is someone else's.
  if (type === 'file_search') return { refused: 'file_search reads vector stores of the gateway\'s shared OpenAI account, so it is not served' }
  if (type === 'code_interpreter') {
    const container = tool.container
    // A container id names a container of the gateway's OpenAI account, shared by every caller.
    if (typeof container === 'string') return { refused: 'an existing container id is not supported by this gateway (containers belong to its shared account); use {"type":"auto"}' }
    const spec = (container ?? {}) as { type?: unknown; memory_limit?: unknown; file_ids?: unknown }
    if (spec.type !== 'auto') return { refused: 'container must be {"type":"auto"}' }
    if (Array.isArray(spec.file_ids) && spec.file_ids.length) return { refused: 'container.file_ids name files of the gateway\'s shared account and are not supported' }
    if (spec.memory_limit !== undefined && spec.memory_limit !== null && spec.memory_limit !== '1g')
      return { refused: `a ${String(spec.memory_limit)} container is billed at a rate this gateway does not price; only the default 1g is served` }
    return { priced: CODE_INTERPRETER }
  }
  // The caller's own tools: the model only writes their calls (tokens); the caller runs them.
  if (type === 'function' || type === 'custom') return { priced: { unit: 'call', price: '0', item: `${type}_call` } }
  return { refused: `the built-in tool ${type} is billed in ways this gateway cannot price exactly, so it is not served` }
}

export type ToolCharge = { tool: string; unit: string; quantity: number; price: string; cost: string }

/** What a call's own built-in tools may cost at most: `uses` uses of the dearest one declared. */
export function toolAllowance(tools: readonly Record<string, unknown>[], model: string, uses: number): string {
  const prices = tools.map((t) => toolVerdict(t, model)).flatMap((v) => ('priced' in v ? [parseUsd(v.priced.price)] : []))
  const dearest = prices.reduce((a, b) => (b > a ? b : a), 0n)
  return formatUsd(costOf(dearest, uses))
}

/**
 * What the built-in tools of a finished answer cost: each `*_call` output item is one call; a
 * code interpreter is billed per container (its distinct container ids), not per call.
 */
export function chargeTools(tools: readonly Record<string, unknown>[], output: readonly unknown[], model: string): { total: string; charges: ToolCharge[] } {
  const charges: ToolCharge[] = []
  const items = output.filter((o): o is Record<string, unknown> => !!o && typeof o === 'object')
  // Several declared tools may answer with the same item (web_search and web_search_preview
  // both make web_search_call items): the item cannot say which ran, so it costs the dearest.
  const byItem = new Map<string, { tool: string; priced: PricedTool }>()
  for (const tool of tools) {
    const verdict = toolVerdict(tool, model)
    if (!('priced' in verdict) || verdict.priced.price === '0') continue
    const known = byItem.get(verdict.priced.item)
    if (!known || parseUsd(verdict.priced.price) > parseUsd(known.priced.price)) byItem.set(verdict.priced.item, { tool: String(tool.type), priced: verdict.priced })
  }
  for (const [item, { tool, priced }] of byItem) {
    const calls = items.filter((i) => i.type === item)
    const quantity = priced.unit === 'container_session' ? new Set(calls.map((c) => String(c.container_id ?? c.id))).size : calls.length
    if (!quantity) continue
    charges.push({ tool, unit: priced.unit, quantity, price: priced.price, cost: formatUsd(costOf(parseUsd(priced.price), quantity)) })
  }
  return { total: formatUsd(sumUsd(charges.map((c) => parseUsd(c.cost)))), charges }
}
