'use client'

import { useState } from 'react'
import { FileText, Loader2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { FailureNotice, Receipt } from '@/components/studio/call-outcome'
import { CHAT_MODELS, CONTENT_FORMATS } from '@/components/studio/catalog'
import { EmptyState, Field, SelectField, Textarea } from '@/components/studio/fields'
import { answeredReceipt, postJson } from '@/components/studio/gateway'
import { useGatewayCall } from '@/components/studio/use-gateway-call'

type Generation = { content: string; format: string; model: string; usage?: { prompt_tokens: number; completion_tokens: number } }

/** Content generation: a brief and a format in, one piece of copy out. */
export function TextPanel({ campaign }: { campaign: string | null }) {
  const [brief, setBrief] = useState('')
  const [format, setFormat] = useState('blog_post')
  const [tone, setTone] = useState('')
  const [model, setModel] = useState('gpt-4o-mini')
  const [result, setResult] = useState<Generation | null>(null)
  const { pending, failure, receipt, run } = useGatewayCall()

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    if (!brief.trim()) return
    void run(model, async (signal, startedAt) => {
      setResult(null)
      const body = { brief, format, model, ...(tone.trim() ? { tone: tone.trim() } : {}), ...(campaign ? { campaign } : {}) }
      const { data, response } = await postJson<Generation>('/api/v1/content/generations', body, signal)
      setResult(data)
      return answeredReceipt(response, model, startedAt, { inputTokens: data.usage?.prompt_tokens ?? 0, outputTokens: data.usage?.completion_tokens ?? 0 })
    })
  }

  return (
    <div className="grid gap-6 md:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
      <form onSubmit={submit} className="grid content-start gap-4">
        <Field id="text-brief" label="Brief">
          <Textarea
            id="text-brief"
            value={brief}
            onChange={(e) => setBrief(e.target.value)}
            placeholder="Launch of our new trail running shoe: lighter, grippier, made from recycled foam."
            rows={5}
            maxLength={20_000}
            required
          />
        </Field>
        <div className="grid gap-4 sm:grid-cols-2 md:grid-cols-1 lg:grid-cols-2">
          <SelectField id="text-format" label="Format" value={format} onValueChange={setFormat} options={CONTENT_FORMATS} />
          <SelectField id="text-model" label="Model" value={model} onValueChange={setModel} options={CHAT_MODELS} />
        </div>
        <Field id="text-tone" label="Tone" hint="Optional. Defaults to professional.">
          <Input id="text-tone" value={tone} onChange={(e) => setTone(e.target.value)} placeholder="playful, confident…" maxLength={100} aria-describedby="text-tone-hint" />
        </Field>
        <Button type="submit" disabled={pending || !brief.trim()}>
          {pending ? <Loader2 className="animate-spin" aria-hidden /> : null}
          Generate
        </Button>
      </form>

      <div className="grid content-start gap-4" aria-busy={pending}>
        <FailureNotice failure={failure} />
        {result ? (
          <article className="rounded-lg border bg-card p-4 text-card-foreground">
            <h2 className="mb-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">
              {CONTENT_FORMATS.find((f) => f.value === result.format)?.label ?? result.format} · {result.model}
            </h2>
            <div className="text-sm leading-relaxed break-words whitespace-pre-wrap">{result.content || 'The model returned no text.'}</div>
          </article>
        ) : pending ? (
          <p className="flex min-h-40 items-center justify-center gap-2 rounded-lg border border-dashed text-sm text-muted-foreground" aria-live="polite">
            <Loader2 className="size-4 animate-spin" aria-hidden /> Writing…
          </p>
        ) : failure ? null : (
          <EmptyState icon={FileText}>Write a brief, pick a format and press Generate. The copy and what it cost appear here.</EmptyState>
        )}
        <Receipt receipt={receipt} />
      </div>
    </div>
  )
}
