import type { MediaPriceEntry } from '@/lib/pricing/media-catalog-types'

// Video list prices in USD. Checked against the vendors' pricing pages as collected in the
// team's price research (shared/PRICES.md, late 2025); re-check before relying on them.
// The research is dated only "late 2025": CHECKED is that, approximately.
const CHECKED = '2025-11-30'
const RUNWAY = 'https://docs.dev.runwayml.com/guides/pricing/'
const LUMA = 'https://lumalabs.ai/api/pricing'

export const VIDEO_PRICES: MediaPriceEntry[] = [
  ...(
    [
      ['gen4_turbo', '0.05', { offered: [5, 10] }],
      ['gen3a_turbo', '0.05', { offered: [5, 10] }],
      // Aleph restyles a video: its output is as long as the input, of which it uses at most
      // the first 5 s (Runway's model notes, as relayed by Replicate's runwayml/gen4-aleph page).
      ['gen4_aleph', '0.15', { upTo: 5 }],
      ['veo3', '0.4', { offered: [8] }],
    ] as const
  ).map(
    ([model, price, durations]): MediaPriceEntry => ({
      provider: 'runway',
      model,
      unit: 'second',
      durations: 'offered' in durations ? { offered: [...durations.offered] } : durations,
      variantBy: [],
      periods: [{ effectiveFrom: null, prices: { '': price } }],
      source: RUNWAY,
      checked: CHECKED,
      note: 'Runway bills credits per output second; 1 credit = $0.01.',
    }),
  ),
  {
    provider: 'luma',
    model: 'ray-2',
    unit: 'megapixel',
    durations: { offered: [5, 9] },
    variantBy: ['resolution'],
    defaults: { resolution: '720p' },
    periods: [{ effectiveFrom: null, prices: { '540p': '0.0064', '720p': '0.0064', '1080p': '0.0064', '4k': '0.0064' } }],
    source: LUMA,
    checked: CHECKED,
    note: 'Per million pixels generated: width × height × 24 fps × seconds (720p ≈ $0.142/s, 1080p ≈ $0.319/s).',
  },
  {
    provider: 'luma',
    model: 'ray-flash-2',
    unit: 'megapixel',
    durations: { offered: [5, 9] },
    variantBy: ['resolution'],
    defaults: { resolution: '720p' },
    periods: [{ effectiveFrom: null, prices: { '540p': '0.0022', '720p': '0.0022', '1080p': '0.0022', '4k': '0.0022' } }],
    source: LUMA,
    checked: CHECKED,
    note: 'Per million pixels generated: width × height × 24 fps × seconds (720p ≈ $0.049/s).',
  },
  {
    provider: 'openai',
    model: 'sora-2',
    unit: 'second',
    durations: { offered: [4, 8, 12] },
    variantBy: ['resolution'],
    defaults: { resolution: '720p' },
    aliasesOf: { resolution: { '1280x720': '720p', '720x1280': '720p' } },
    periods: [{ effectiveFrom: null, prices: { '720p': '0.1' } }],
    source: 'https://platform.openai.com/docs/pricing#video',
    checked: CHECKED,
  },
  {
    provider: 'openai',
    model: 'sora-2-pro',
    unit: 'second',
    durations: { offered: [4, 8, 12] },
    variantBy: ['resolution'],
    defaults: { resolution: '720p' },
    aliasesOf: { resolution: { '1280x720': '720p', '720x1280': '720p', '1792x1024': '1024p', '1024x1792': '1024p' } },
    periods: [{ effectiveFrom: null, prices: { '720p': '0.3', '1024p': '0.5' } }],
    source: 'https://platform.openai.com/docs/pricing#video',
    checked: CHECKED,
  },
]

/** Frame size of each Luma resolution at 16:9, and its frame rate, for per-pixel pricing. */
export const LUMA_FRAME = {
  fps: 24,
  pixels: { '540p': 960 * 540, '720p': 1280 * 720, '1080p': 1920 * 1080, '4k': 3840 * 2160 } as Record<string, number>,
}
