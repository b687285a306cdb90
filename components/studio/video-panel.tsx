'use client'

import { useState } from 'react'
import { Clapperboard, Loader2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Progress } from '@/components/ui/progress'
import { FailureNotice, Receipt } from '@/components/studio/call-outcome'
import { VIDEO_MODELS } from '@/components/studio/catalog'
import { EmptyState, Field, SelectField, Textarea } from '@/components/studio/fields'
import { answeredReceipt, GatewayCallError, getJson, pause, postJson } from '@/components/studio/gateway'
import { useGatewayCall } from '@/components/studio/use-gateway-call'

type Job = {
  id: string
  model: string
  status: string
  progress: number | null
  finished_at: number | null
  seconds: number
  output: { url: string } | null
  error: { message: string } | null
  /** Once ended: what the job was charged (its usage row). */
  charged?: { total_cost: string | null; cost_status: string } | null
}

const POLL_MS = 1500
// A poll that fails once (a blip upstream) is retried; several in a row end the wait.
const MAX_POLL_FAILURES = 3

const ended = (job: Job) => job.status === 'succeeded' || job.status === 'failed' || job.finished_at !== null

async function waitForJob(first: Job, signal: AbortSignal, onUpdate: (job: Job) => void): Promise<Job> {
  let job = first
  let failures = 0
  while (!ended(job)) {
    await pause(POLL_MS, signal)
    signal.throwIfAborted()
    try {
      job = await getJson<Job>(`/api/v1/videos/generations/${encodeURIComponent(job.id)}`, signal)
      failures = 0
      onUpdate(job)
    } catch (error) {
      if (signal.aborted || ++failures >= MAX_POLL_FAILURES) throw error
    }
  }
  return job
}

/** A video job: started with one call, then polled until it ends; charged when it ends. */
export function VideoPanel({ campaign }: { campaign: string | null }) {
  const [prompt, setPrompt] = useState('')
  const [model, setModel] = useState(VIDEO_MODELS[0].value)
  const [seconds, setSeconds] = useState('5')
  const offered = (VIDEO_MODELS.find((m) => m.value === model) ?? VIDEO_MODELS[0]).seconds
  const chooseModel = (value: string) => {
    setModel(value)
    // Keep the duration if the new model offers it, else take its first.
    const next = (VIDEO_MODELS.find((m) => m.value === value) ?? VIDEO_MODELS[0]).seconds
    if (!next.some((o) => o.value === seconds)) setSeconds(next[0].value)
  }
  const [job, setJob] = useState<Job | null>(null)
  const [shownPrompt, setShownPrompt] = useState('')
  const { pending, failure, receipt, run } = useGatewayCall()

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    if (!prompt.trim()) return
    void run(model, async (signal, startedAt) => {
      setJob(null)
      setShownPrompt(prompt)
      const body = { model, prompt, seconds: Number(seconds), ...(campaign ? { campaign } : {}) }
      const { data, response } = await postJson<Job>('/api/v1/videos/generations', body, signal)
      setJob(data)
      // Until the job ends, its cost is the hold the create answer said (estimated).
      const held = answeredReceipt(response, model, startedAt)
      const final = await waitForJob(data, signal, setJob)
      const charged = final.charged ? { cost: final.charged.total_cost, costStatus: final.charged.cost_status } : { cost: held.cost, costStatus: held.costStatus }
      if (final.status !== 'succeeded') {
        const failure = { status: 0, message: final.error?.message ?? 'The video generation failed.' }
        throw new GatewayCallError(failure, held.requestId, { requestId: held.requestId, provider: held.provider, status: 'error', ...charged })
      }
      return { ...held, ...charged, seconds: final.seconds, latencyMs: Math.round(performance.now() - startedAt) }
    })
  }

  const output = job?.status === 'succeeded' ? job.output?.url : undefined
  const percent = job?.progress === null || job?.progress === undefined ? null : Math.round(job.progress * 100)

  return (
    <div className="grid gap-6 md:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
      <form onSubmit={submit} className="grid content-start gap-4">
        <Field id="video-prompt" label="Prompt">
          <Textarea id="video-prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="A drone shot over a foggy pine forest at sunrise" rows={4} maxLength={5000} required />
        </Field>
        <div className="grid grid-cols-2 gap-4">
          <SelectField id="video-model" label="Model" value={model} onValueChange={chooseModel} options={VIDEO_MODELS} className="col-span-2 sm:col-span-1 md:col-span-2 lg:col-span-1" />
          <SelectField id="video-seconds" label="Duration" value={seconds} onValueChange={setSeconds} options={offered} />
        </div>
        <Button type="submit" disabled={pending || !prompt.trim()}>
          {pending ? <Loader2 className="animate-spin" aria-hidden /> : null}
          Generate video
        </Button>
      </form>

      <div className="grid content-start gap-4" aria-busy={pending}>
        <FailureNotice failure={failure} />
        {pending || (job && !ended(job)) ? (
          <div className="grid gap-2 rounded-lg border bg-card p-4" aria-live="polite">
            <p className="flex items-center gap-2 text-sm">
              <Loader2 className="size-4 animate-spin text-muted-foreground" aria-hidden />
              {!job ? 'Starting the job…' : job.status === 'queued' ? 'Queued…' : `Rendering${percent === null ? '…' : ` · ${percent}%`}`}
            </p>
            <Progress value={percent ?? (job ? 5 : 0)} aria-label="Video progress" />
          </div>
        ) : null}
        {output ? (
          <figure className="grid gap-2">
            <div className="overflow-hidden rounded-lg border bg-muted">
              {output.startsWith('data:image/') ? (
                // The simulator's result is a poster frame, not a playable video.
                // eslint-disable-next-line @next/next/no-img-element
                <img src={output} alt={`Simulated ${job?.model} video: ${shownPrompt}`} className="h-auto w-full" />
              ) : (
                <video src={output} controls playsInline className="h-auto w-full" aria-label={`${job?.model} video: ${shownPrompt}`} />
              )}
            </div>
            <figcaption className="text-xs text-muted-foreground">
              {output.startsWith('data:image/') ? 'Simulated result: a poster frame stands in for the video.' : 'Vendor links expire: download the video if you want to keep it.'}
            </figcaption>
          </figure>
        ) : !pending && !failure && !job ? (
          <EmptyState icon={Clapperboard}>Describe a shot, pick a model and length, and press Generate video. Jobs take a little while; progress shows here.</EmptyState>
        ) : null}
        <Receipt receipt={receipt} />
      </div>
    </div>
  )
}
