// The cost engine: pure functions over bundled, dated catalogs, plus operator overrides
// (load them with listPriceOverrides() from lib/pricing/model-prices and pass them in).
export { calculateOpenAICost, calculateTextCost, fromAnthropicUsage, fromGeminiUsage, fromOpenAIUsage } from '@/lib/pricing/text'
export type { TextCostOptions, TokenUsage } from '@/lib/pricing/text'
export { calculateImageCost, calculateVideoCost } from '@/lib/pricing/media'
export type { ImageCostInput, VideoCostInput } from '@/lib/pricing/media'
export { countPromptTokens, estimateMaxCost } from '@/lib/pricing/estimate'
export type { ChatMessageLike, CostEstimate, EstimateRequest } from '@/lib/pricing/estimate'
export { formatUsd, parseUsd, sumUsd } from '@/lib/pricing/money'
export type { CostBreakdown, CostStatus, PriceOverride, PriceSnapshot } from '@/lib/pricing/types'
