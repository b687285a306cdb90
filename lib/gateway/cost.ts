import type { UsageRecord } from '@/lib/gateway/record'
import type { CostBreakdown } from '@/lib/pricing/types'

/** The cost columns of a usage row from the cost engine's answer. */
export function costColumns(cost: CostBreakdown, simulated: boolean): Pick<UsageRecord, 'input_cost' | 'output_cost' | 'generation_cost' | 'total_cost' | 'price_snapshot' | 'cost_status'> {
  return {
    input_cost: cost.inputCost,
    output_cost: cost.outputCost,
    generation_cost: cost.generationCost,
    total_cost: cost.totalCost,
    // A simulated call is priced as the real model would be, and says so in its snapshot.
    price_snapshot: cost.priceSnapshot ? { ...cost.priceSnapshot, ...(simulated ? { simulated: true } : {}) } : cost.note ? { note: cost.note } : null,
    cost_status: cost.costStatus,
  }
}

/** The cost columns of a call that was refused or failed before it could cost anything. */
export const ZERO_COST = {
  input_cost: '0',
  output_cost: '0',
  generation_cost: '0',
  total_cost: '0',
  price_snapshot: null,
  cost_status: 'priced',
} as const
