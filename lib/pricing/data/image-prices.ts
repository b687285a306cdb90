import type { MediaPriceEntry } from '@/lib/pricing/media-catalog-types'

// Per-image list prices in USD. Checked against the vendors' pricing pages as collected in the
// team's price research (shared/PRICES.md, late 2025); re-check before relying on them.
// The research is dated only "late 2025": CHECKED is that, approximately.
const CHECKED = '2025-11-30'
const OPENAI = 'https://platform.openai.com/docs/pricing#image-generation'

export const IMAGE_PRICES: MediaPriceEntry[] = [
  {
    provider: 'openai',
    model: 'dall-e-3',
    unit: 'image',
    variantBy: ['quality', 'size'],
    defaults: { quality: 'standard', size: '1024x1024' },
    periods: [
      {
        effectiveFrom: null,
        prices: {
          'standard|1024x1024': '0.04',
          'standard|1024x1792': '0.08',
          'standard|1792x1024': '0.08',
          'hd|1024x1024': '0.08',
          'hd|1024x1792': '0.12',
          'hd|1792x1024': '0.12',
        },
      },
    ],
    source: OPENAI,
    checked: CHECKED,
  },
  {
    provider: 'openai',
    model: 'dall-e-2',
    unit: 'image',
    variantBy: ['size'],
    defaults: { size: '1024x1024' },
    periods: [{ effectiveFrom: null, prices: { '1024x1024': '0.02', '512x512': '0.018', '256x256': '0.016' } }],
    source: OPENAI,
    checked: CHECKED,
  },
  {
    provider: 'openai',
    model: 'gpt-image-1',
    unit: 'image',
    variantBy: ['quality', 'size'],
    defaults: { quality: 'auto', size: 'auto' },
    // "auto" lets OpenAI choose; before the response says what it chose, assume the costliest.
    aliasesOf: { quality: { auto: 'high' }, size: { auto: '1536x1024' } },
    periods: [
      {
        effectiveFrom: null,
        prices: {
          'low|1024x1024': '0.011',
          'medium|1024x1024': '0.042',
          'high|1024x1024': '0.167',
          'low|1024x1536': '0.016',
          'medium|1024x1536': '0.063',
          'high|1024x1536': '0.25',
          'low|1536x1024': '0.016',
          'medium|1536x1024': '0.063',
          'high|1536x1024': '0.25',
        },
      },
    ],
    source: OPENAI,
    checked: CHECKED,
    note: 'Billed in tokens ($5/M text in, $10/M image in, $40/M image out); these are OpenAI’s per-image equivalents. The response’s usage, when present, is billed instead (see calculateImageCost).',
  },
  {
    provider: 'openai',
    model: 'gpt-image-1-mini',
    unit: 'image',
    variantBy: ['quality', 'size'],
    defaults: { quality: 'auto', size: '1024x1024' },
    aliasesOf: { quality: { auto: 'high' } },
    periods: [{ effectiveFrom: null, prices: { 'low|1024x1024': '0.005', 'medium|1024x1024': '0.011', 'high|1024x1024': '0.036' } }],
    source: OPENAI,
    checked: CHECKED,
  },
  ...(
    [
      ['flux-pro-1.1', '0.04'],
      ['flux-pro-1.1-ultra', '0.06'],
      ['flux-pro', '0.05'],
      ['flux-dev', '0.025'],
      ['flux-kontext-pro', '0.04'],
      ['flux-kontext-max', '0.08'],
    ] as const
  ).map(
    ([model, price]): MediaPriceEntry => ({
      provider: 'bfl',
      model,
      unit: 'image',
      variantBy: [],
      periods: [{ effectiveFrom: null, prices: { '': price } }],
      source: 'https://docs.bfl.ai/quick_start/pricing',
      checked: CHECKED,
    }),
  ),
  ...(
    [
      ['flux-schnell', '0.003'],
      ['flux-dev', '0.025'],
    ] as const
  ).map(
    ([model, price]): MediaPriceEntry => ({
      provider: 'replicate',
      model,
      aliases: [`black-forest-labs/${model}`],
      unit: 'image',
      variantBy: [],
      periods: [{ effectiveFrom: null, prices: { '': price } }],
      source: `https://replicate.com/black-forest-labs/${model}`,
      checked: CHECKED,
      note: 'FLUX schnell is open-weights and not sold by BFL’s own API; Replicate’s price is the reference.',
    }),
  ),
  ...(
    [
      ['stable-image-ultra', '0.08', ['ultra']],
      ['stable-image-core', '0.03', ['core']],
      ['sd3.5-large', '0.065', ['sd3-large']],
      ['sd3.5-large-turbo', '0.04', ['sd3-large-turbo']],
      ['sd3.5-medium', '0.035', ['sd3-medium']],
    ] as const
  ).map(
    ([model, price, aliases]): MediaPriceEntry => ({
      provider: 'stability',
      model,
      aliases: [...aliases],
      unit: 'image',
      variantBy: [],
      periods: [{ effectiveFrom: null, prices: { '': price } }],
      source: 'https://platform.stability.ai/pricing',
      checked: CHECKED,
      note: '1 credit = $0.01.',
    }),
  ),
  {
    provider: 'ideogram',
    model: 'ideogram-v3',
    aliases: ['V_3'],
    unit: 'image',
    // Ideogram's rendering_speed; the gateway maps it to `quality`.
    variantBy: ['quality'],
    defaults: { quality: 'default' },
    aliasesOf: { quality: { default: 'balanced', standard: 'balanced', hd: 'quality' } },
    periods: [{ effectiveFrom: null, prices: { turbo: '0.03', balanced: '0.06', quality: '0.09' } }],
    source: 'https://ideogram.ai/features/api-pricing',
    checked: CHECKED,
  },
  {
    provider: 'ideogram',
    model: 'ideogram-v2',
    aliases: ['V_2'],
    unit: 'image',
    variantBy: [],
    periods: [{ effectiveFrom: null, prices: { '': '0.08' } }],
    source: 'https://ideogram.ai/features/api-pricing',
    checked: CHECKED,
  },
  {
    provider: 'ideogram',
    model: 'ideogram-v2-turbo',
    aliases: ['V_2_TURBO'],
    unit: 'image',
    variantBy: [],
    periods: [{ effectiveFrom: null, prices: { '': '0.05' } }],
    source: 'https://ideogram.ai/features/api-pricing',
    checked: CHECKED,
  },
]
