// What the Studio offers. The gateway is the authority (it refuses what it cannot price), so
// these lists only spare the user from picking combinations a vendor does not sell.
import type { Option } from '@/components/studio/fields'

export const CHAT_MODELS: Option[] = [
  { value: 'gpt-4o-mini', label: 'GPT-4o mini' },
  { value: 'gpt-4o', label: 'GPT-4o' },
  { value: 'gpt-5-mini', label: 'GPT-5 mini' },
  { value: 'gpt-5', label: 'GPT-5' },
  { value: 'claude-haiku-4-5', label: 'Claude Haiku 4.5' },
  { value: 'claude-sonnet-4-5', label: 'Claude Sonnet 4.5' },
  { value: 'gemini-2.5-flash', label: 'Gemini 2.5 Flash' },
  { value: 'gemini-2.5-pro', label: 'Gemini 2.5 Pro' },
  { value: 'deepseek-v4-flash', label: 'DeepSeek V4 Flash' },
  { value: 'mistral-large-latest', label: 'Mistral Large' },
  { value: 'grok-4.3', label: 'Grok 4.3' },
]

export const CONTENT_FORMATS: Option[] = [
  { value: 'blog_post', label: 'Blog post' },
  { value: 'social_post', label: 'Social post' },
  { value: 'ad_copy', label: 'Ad copy' },
  { value: 'email', label: 'Email' },
  { value: 'product_description', label: 'Product description' },
  { value: 'headline', label: 'Headlines' },
]

export type ImageModel = { value: string; label: string; sizes: Option[]; qualities: Option[]; maxN: number }

const square = { value: '1024x1024', label: 'Square · 1024×1024' }
// FLUX takes pixels (multiples of 32); Stability and Ideogram take the nearest aspect ratio.
const FLUX_SIZES: Option[] = [square, { value: '1344x768', label: 'Landscape · 1344×768' }, { value: '768x1344', label: 'Portrait · 768×1344' }]
const RATIO_SIZES: Option[] = [
  { value: '1024x1024', label: 'Square · 1:1' },
  { value: '1920x1080', label: 'Landscape · 16:9' },
  { value: '1080x1920', label: 'Portrait · 9:16' },
  { value: '1536x1024', label: 'Photo · 3:2' },
]

export const IMAGE_MODELS: ImageModel[] = [
  {
    value: 'dall-e-3',
    label: 'DALL·E 3',
    sizes: [square, { value: '1792x1024', label: 'Landscape · 1792×1024' }, { value: '1024x1792', label: 'Portrait · 1024×1792' }],
    qualities: [
      { value: 'standard', label: 'Standard' },
      { value: 'hd', label: 'HD' },
    ],
    // OpenAI serves dall-e-3 one image per request.
    maxN: 1,
  },
  {
    value: 'dall-e-2',
    label: 'DALL·E 2',
    sizes: [square, { value: '512x512', label: 'Square · 512×512' }, { value: '256x256', label: 'Square · 256×256' }],
    qualities: [],
    maxN: 4,
  },
  {
    value: 'gpt-image-1',
    label: 'GPT Image 1',
    sizes: [square, { value: '1536x1024', label: 'Landscape · 1536×1024' }, { value: '1024x1536', label: 'Portrait · 1024×1536' }, { value: 'auto', label: 'Auto' }],
    qualities: [
      { value: 'low', label: 'Low' },
      { value: 'medium', label: 'Medium' },
      { value: 'high', label: 'High' },
      { value: 'auto', label: 'Auto (billed as high until known)' },
    ],
    maxN: 4,
  },
  { value: 'flux-pro-1.1', label: 'FLUX 1.1 [pro]', sizes: FLUX_SIZES, qualities: [], maxN: 4 },
  { value: 'flux-dev', label: 'FLUX.1 [dev]', sizes: FLUX_SIZES, qualities: [], maxN: 4 },
  { value: 'stable-image-core', label: 'Stable Image Core', sizes: RATIO_SIZES, qualities: [], maxN: 4 },
  { value: 'stable-image-ultra', label: 'Stable Image Ultra', sizes: RATIO_SIZES, qualities: [], maxN: 4 },
  {
    value: 'ideogram-v3',
    label: 'Ideogram 3.0',
    sizes: RATIO_SIZES,
    qualities: [
      { value: 'turbo', label: 'Turbo' },
      { value: 'balanced', label: 'Balanced' },
      { value: 'quality', label: 'Quality' },
    ],
    maxN: 4,
  },
]

/** Video models with the durations each offers (the gateway refuses any other). */
export type VideoModel = Option & { seconds: Option[] }

const secondsOf = (...values: number[]): Option[] => values.map((v) => ({ value: String(v), label: `${v} seconds` }))

export const VIDEO_MODELS: VideoModel[] = [
  { value: 'gen4_turbo', label: 'Runway Gen-4 Turbo', seconds: secondsOf(5, 10) },
  { value: 'gen3a_turbo', label: 'Runway Gen-3 Alpha Turbo', seconds: secondsOf(5, 10) },
  { value: 'ray-2', label: 'Luma Ray 2', seconds: secondsOf(5, 9) },
  { value: 'ray-flash-2', label: 'Luma Ray Flash 2', seconds: secondsOf(5, 9) },
]
