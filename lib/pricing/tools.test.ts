import { describe, expect, it } from 'vitest'
import { chargeTools, toolAllowance, toolVerdict } from '@/lib/pricing/tools'

describe('built-in tool prices', () => {
  it('prices web search per call, web_search_preview dearer on non-reasoning models, a code interpreter per container', () => {
    expect(toolVerdict({ type: 'web_search' }, 'gpt-4o')).toMatchObject({ priced: { price: '0.01' } })
    expect(toolVerdict({ type: 'web_search_preview' }, 'gpt-4o')).toMatchObject({ priced: { price: '0.025' } })
    expect(toolVerdict({ type: 'web_search_preview' }, 'o3')).toMatchObject({ priced: { price: '0.01' } })
    expect(toolVerdict({ type: 'code_interpreter', container: { type: 'auto' } }, 'gpt-4o')).toMatchObject({ priced: { price: '0.03', unit: 'container_session' } })
  })

  it('refuses what it cannot price exactly, or what reaches the shared account', () => {
    for (const type of ['image_generation', 'computer_use_preview', 'mcp', 'local_shell']) expect(toolVerdict({ type }, 'gpt-4o')).toHaveProperty('refused')
    expect(toolVerdict({ type: 'code_interpreter', container: { type: 'auto', memory_limit: '4g' } }, 'gpt-4o')).toHaveProperty('refused')
    expect(toolVerdict({ type: 'code_interpreter', container: 'cntr_someone_elses' }, 'gpt-4o')).toHaveProperty('refused')
    // Vector stores are the shared account's: a caller naming one would read another's files.
    expect(toolVerdict({ type: 'file_search', vector_store_ids: ['vs_someone_elses'] }, 'gpt-4o')).toMatchObject({ refused: expect.stringMatching(/shared OpenAI account/) })
  })

  it('charges calls of tools that share an item (web_search, web_search_preview) at the dearest of them', () => {
    const output = [{ type: 'web_search_call', id: 'ws_1' }, { type: 'web_search_call', id: 'ws_2' }]
    expect(chargeTools([{ type: 'web_search' }, { type: 'web_search_preview' }], output, 'gpt-4.1')).toEqual({
      total: '0.05',
      charges: [{ tool: 'web_search_preview', unit: 'call', quantity: 2, price: '0.025', cost: '0.05' }],
    })
  })

  it('charges each *_call item, containers once each, exactly', () => {
    const tools = [{ type: 'web_search' }, { type: 'code_interpreter', container: { type: 'auto' } }, { type: 'function', name: 'f' }]
    const output = [
      { type: 'web_search_call', id: 'ws_1' },
      { type: 'web_search_call', id: 'ws_2' },
      { type: 'code_interpreter_call', id: 'ci_1', container_id: 'cntr_1' },
      { type: 'code_interpreter_call', id: 'ci_2', container_id: 'cntr_1' },
      { type: 'function_call', id: 'fc_1' },
      { type: 'message' },
    ]
    expect(chargeTools(tools, output, 'gpt-4o')).toEqual({
      total: '0.05',
      charges: [
        { tool: 'web_search', unit: 'call', quantity: 2, price: '0.01', cost: '0.02' },
        { tool: 'code_interpreter', unit: 'container_session', quantity: 1, price: '0.03', cost: '0.03' },
      ],
    })
    expect(chargeTools([{ type: 'function', name: 'f' }], output, 'gpt-4o')).toEqual({ total: '0', charges: [] })
  })

  it('holds the dearest declared tool for every allowed use', () => {
    expect(toolAllowance([{ type: 'web_search' }, { type: 'web_search_preview' }], 'gpt-4.1', 10)).toBe('0.25')
  })
})
