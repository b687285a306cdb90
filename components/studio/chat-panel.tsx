'use client'

import { useEffect, useRef, useState } from 'react'
import { Loader2, MessageSquareText, RotateCcw, Send, Square } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { FailureNotice, Receipt } from '@/components/studio/call-outcome'
import { CHAT_MODELS } from '@/components/studio/catalog'
import { EmptyState, Field, SelectField, Textarea } from '@/components/studio/fields'
import { answeredReceipt, failureFrom, failedStatus, GatewayCallError, postStream, readSse, type CallReceipt, type StreamCost } from '@/components/studio/gateway'
import { useGatewayCall } from '@/components/studio/use-gateway-call'
import { cn } from '@/lib/utils'

type Message = { role: 'user' | 'assistant'; content: string }
type Chunk = {
  error?: unknown
  choices?: { delta?: { content?: unknown } }[]
  usage?: { prompt_tokens?: number; completion_tokens?: number; cost?: string | null; cost_status?: string }
} & Partial<StreamCost>

/** A streamed conversation: tokens render as they arrive; Stop keeps what has arrived. */
export function ChatPanel({ campaign }: { campaign: string | null }) {
  const [model, setModel] = useState('gpt-4o-mini')
  const [messages, setMessages] = useState<Message[]>([])
  const [draft, setDraft] = useState('')
  const { pending, failure, receipt, run } = useGatewayCall()
  const stopper = useRef<AbortController | null>(null)
  const log = useRef<HTMLDivElement>(null)

  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight })
  }, [messages])

  const appendToReply = (piece: string) =>
    setMessages((all) => {
      const last = all.at(-1)
      return last?.role === 'assistant' ? [...all.slice(0, -1), { ...last, content: last.content + piece }] : all
    })

  const dropEmptyReply = () => setMessages((all) => (all.at(-1)?.role === 'assistant' && !all.at(-1)?.content ? all.slice(0, -1) : all))

  const send = () => {
    const text = draft.trim()
    if (!text || pending) return
    // Earlier replies that never arrived are not part of the conversation the model sees.
    const history: Message[] = [...messages.filter((m) => m.content), { role: 'user', content: text }]
    setMessages([...history, { role: 'assistant', content: '' }])
    setDraft('')
    const stop = new AbortController()
    stopper.current = stop
    void run(model, async (signal, startedAt) => {
      let receipt: CallReceipt | null = null
      try {
        const body = { model, messages: history, stream: true, stream_options: { include_usage: true }, ...(campaign ? { campaign } : {}) }
        const response = await postStream('/api/v1/chat/completions', body, AbortSignal.any([signal, stop.signal]))
        // The headers say "pending": the cost comes at the end of the stream.
        receipt = answeredReceipt(response, model, startedAt, { firstTokenMs: null, inputTokens: 0, outputTokens: 0 })
        if (!response.body) throw new GatewayCallError({ status: response.status, message: 'The gateway sent an empty stream.' }, receipt.requestId)
        for await (const event of readSse(response.body)) {
          const chunk = event as Chunk
          if (chunk.tollgateCost) receipt = { ...receipt, ...chunk.tollgateCost }
          // A failure after the stream started arrives as one last event in the error shape.
          if (chunk.error) {
            const failure = failureFrom(502, chunk)
            throw new GatewayCallError(failure, receipt.requestId, { ...receipt, status: failedStatus(failure) })
          }
          if (chunk.usage) receipt = { ...receipt, inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 }
          const piece = chunk.choices?.[0]?.delta?.content
          if (typeof piece === 'string' && piece) {
            receipt.firstTokenMs ??= Math.round(performance.now() - startedAt)
            appendToReply(piece)
          }
        }
        return { ...receipt, latencyMs: Math.round(performance.now() - startedAt) }
      } catch (thrown) {
        dropEmptyReply()
        // Stopped by the user: keep what arrived. The gateway books what was streamed; its cost
        // was never said to this page (the stream was cut), so the receipt points to the tab.
        if (stop.signal.aborted && !signal.aborted && receipt)
          return { ...receipt, status: 'client_aborted', cost: null, costStatus: 'pending', latencyMs: Math.round(performance.now() - startedAt) }
        if (stop.signal.aborted && !signal.aborted) return null
        throw thrown
      } finally {
        if (stopper.current === stop) stopper.current = null
      }
    })
  }

  const reset = () => {
    stopper.current?.abort()
    setMessages([])
  }

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <SelectField id="chat-model" label="Model" value={model} onValueChange={setModel} options={CHAT_MODELS} className="w-full sm:w-56" />
        <Button type="button" variant="outline" onClick={reset} disabled={!messages.length}>
          <RotateCcw aria-hidden /> New chat
        </Button>
      </div>

      <div ref={log} role="log" aria-label="Conversation" aria-live="polite" className="grid max-h-[28rem] min-h-48 content-start gap-3 overflow-y-auto rounded-lg border bg-card p-3 sm:p-4">
        {messages.length === 0 ? (
          <EmptyState icon={MessageSquareText}>Type a message below and press Send. Replies stream in word by word.</EmptyState>
        ) : (
          messages.map((message, i) => (
            <div
              key={i}
              className={cn(
                'max-w-[85%] rounded-lg px-3 py-2 text-sm leading-relaxed break-words whitespace-pre-wrap',
                message.role === 'user' ? 'justify-self-end bg-primary text-primary-foreground' : 'justify-self-start bg-muted text-foreground',
              )}
            >
              <span className="sr-only">{message.role === 'user' ? 'You: ' : 'Assistant: '}</span>
              {message.content || <Loader2 className="size-4 animate-spin text-muted-foreground" aria-label="Waiting for the reply" />}
            </div>
          ))
        )}
      </div>

      <form
        className="grid gap-2"
        onSubmit={(e) => {
          e.preventDefault()
          send()
        }}
      >
        <Field id="chat-message" label="Message" hint="Enter sends, Shift+Enter starts a new line.">
          <Textarea
            id="chat-message"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault()
                send()
              }
            }}
            rows={2}
            className="min-h-16"
            placeholder="Ask anything…"
            aria-describedby="chat-message-hint"
          />
        </Field>
        <div className="flex justify-end gap-2">
          {pending ? (
            <Button type="button" variant="outline" onClick={() => stopper.current?.abort()}>
              <Square aria-hidden /> Stop
            </Button>
          ) : null}
          <Button type="submit" disabled={pending || !draft.trim()}>
            {pending ? <Loader2 className="animate-spin" aria-hidden /> : <Send aria-hidden />}
            Send
          </Button>
        </div>
      </form>

      <FailureNotice failure={failure} />
      <Receipt receipt={receipt} />
    </div>
  )
}
