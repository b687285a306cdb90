'use client'

import { useState } from 'react'
import { ImageIcon, Loader2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { FailureNotice, Receipt } from '@/components/studio/call-outcome'
import { IMAGE_MODELS, type ImageModel } from '@/components/studio/catalog'
import { EmptyState, Field, SelectField, Textarea } from '@/components/studio/fields'
import { answeredReceipt, postJson } from '@/components/studio/gateway'
import { useGatewayCall } from '@/components/studio/use-gateway-call'

type ImageItem = { url?: string; b64_json?: string; revised_prompt?: string }
type Generated = { images: string[]; prompt: string; model: string }

// Vendors return PNG as base64; the simulator returns SVG. The first bytes tell them apart.
function isSvg(b64: string): boolean {
  try {
    const head = atob(b64.slice(0, 64)).trimStart()
    return head.startsWith('<svg') || head.startsWith('<?xml')
  } catch {
    return false
  }
}

function imageSrc(item: ImageItem): string | null {
  if (item.url) return item.url
  if (item.b64_json) return `data:${isSvg(item.b64_json) ? 'image/svg+xml' : 'image/png'};base64,${item.b64_json}`
  return null
}

const modelOf = (value: string): ImageModel => IMAGE_MODELS.find((m) => m.value === value) ?? IMAGE_MODELS[0]

export function ImagesPanel({ campaign }: { campaign: string | null }) {
  const [prompt, setPrompt] = useState('')
  const [model, setModel] = useState(IMAGE_MODELS[0].value)
  const [size, setSize] = useState(IMAGE_MODELS[0].sizes[0].value)
  const [quality, setQuality] = useState(IMAGE_MODELS[0].qualities[0]?.value ?? '')
  const [count, setCount] = useState('1')
  const [result, setResult] = useState<Generated | null>(null)
  const { pending, failure, receipt, run } = useGatewayCall()
  const spec = modelOf(model)

  // Sizes and qualities are per model: switching model picks that model's defaults.
  const chooseModel = (value: string) => {
    const next = modelOf(value)
    setModel(next.value)
    setSize(next.sizes[0].value)
    setQuality(next.qualities[0]?.value ?? '')
    setCount((n) => String(Math.min(Number(n), next.maxN)))
  }

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    if (!prompt.trim()) return
    void run(model, async (signal, startedAt) => {
      setResult(null)
      const body = { model, prompt, size, n: Number(count), ...(quality ? { quality } : {}), ...(campaign ? { campaign } : {}) }
      const { data, response } = await postJson<{ data?: ImageItem[]; usage?: { input_tokens: number; output_tokens: number } }>('/api/v1/images/generations', body, signal)
      const images = (data.data ?? []).map(imageSrc).filter((src): src is string => Boolean(src))
      setResult({ images, prompt, model })
      const tokens = data.usage ? { inputTokens: data.usage.input_tokens, outputTokens: data.usage.output_tokens } : {}
      return answeredReceipt(response, model, startedAt, { images: data.data?.length ?? 0, ...tokens })
    })
  }

  const counts = Array.from({ length: spec.maxN }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))

  return (
    <div className="grid gap-6 md:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
      <form onSubmit={submit} className="grid content-start gap-4">
        <Field id="image-prompt" label="Prompt">
          <Textarea id="image-prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="A lighthouse at dusk, watercolour" rows={4} maxLength={4000} required />
        </Field>
        <SelectField id="image-model" label="Model" value={model} onValueChange={chooseModel} options={IMAGE_MODELS} />
        <div className="grid grid-cols-2 gap-4">
          <SelectField id="image-size" label="Size" value={size} onValueChange={setSize} options={spec.sizes} className="col-span-2 sm:col-span-1 md:col-span-2 lg:col-span-1" />
          {spec.qualities.length ? (
            <SelectField id="image-quality" label="Quality" value={quality} onValueChange={setQuality} options={spec.qualities} />
          ) : null}
          <SelectField
            id="image-count"
            label="Images"
            value={count}
            onValueChange={setCount}
            options={counts}
            disabled={spec.maxN === 1}
            hint={spec.maxN === 1 ? `${spec.label} makes one image per call.` : undefined}
          />
        </div>
        <Button type="submit" disabled={pending || !prompt.trim()}>
          {pending ? <Loader2 className="animate-spin" aria-hidden /> : null}
          Generate image
        </Button>
      </form>

      <div className="grid content-start gap-4" aria-busy={pending}>
        <FailureNotice failure={failure} />
        {result ? (
          result.images.length ? (
            <ul className="grid gap-3 sm:grid-cols-2" aria-label="Generated images">
              {result.images.map((src, i) => (
                <li key={i} className="overflow-hidden rounded-lg border bg-muted">
                  {/* Data URLs and vendor URLs that expire: next/image would only get in the way. */}
                  {/* eslint-disable-next-line @next/next/no-img-element */}
                  <img src={src} alt={`${result.model} image ${i + 1}: ${result.prompt}`} className="h-auto w-full object-contain" />
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-muted-foreground">The provider returned no pictures.</p>
          )
        ) : pending ? (
          <p className="flex min-h-40 items-center justify-center gap-2 rounded-lg border border-dashed text-sm text-muted-foreground" aria-live="polite">
            <Loader2 className="size-4 animate-spin" aria-hidden /> Painting…
          </p>
        ) : failure ? null : (
          <EmptyState icon={ImageIcon}>Describe a picture, choose a model and size, and press Generate image.</EmptyState>
        )}
        <Receipt receipt={receipt} />
      </div>
    </div>
  )
}
