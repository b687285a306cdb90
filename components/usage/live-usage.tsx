'use client'

import { useRouter } from 'next/navigation'
import { useEffect, useState } from 'react'
import { cn } from '@/lib/utils'

// Calls settling in a burst arrive as a burst of events: one re-render covers them all.
const DEBOUNCE_MS = 150

type State = 'connecting' | 'live' | 'offline'

/**
 * Keeps the Usage tab current: the server sends an event on /api/usage/events when one of the
 * user's calls settles (any device, key or server), and the page re-renders its server
 * component. No polling: while nothing happens, nothing is fetched. After a (re)connect the
 * page re-reads once, since events sent while the stream was down are not replayed.
 */
export function LiveUsage() {
  const router = useRouter()
  const [state, setState] = useState<State>('connecting')
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const refresh = () => {
      if (timer) return
      timer = setTimeout(() => {
        timer = undefined
        router.refresh()
      }, DEBOUNCE_MS)
    }
    const source = new EventSource('/api/usage/events')
    source.addEventListener('ready', () => {
      setState('live')
      refresh()
    })
    source.addEventListener('usage', refresh)
    // EventSource reconnects by itself (after `retry:`); it gives up only on a non-2xx answer.
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting')
    // The Studio, in this tab, says so the moment its own call ends.
    window.addEventListener('tollgate:usage-changed', refresh)
    return () => {
      clearTimeout(timer)
      source.close()
      window.removeEventListener('tollgate:usage-changed', refresh)
    }
  }, [router])
  const label = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Not live: reload to resume'
  return (
    <span data-testid="live-status" data-state={state} role="status" className="inline-flex items-center gap-1.5 text-xs font-normal text-muted-foreground">
      <span aria-hidden className={cn('size-2 rounded-full', state === 'live' ? 'bg-success' : state === 'connecting' ? 'animate-pulse bg-warning' : 'bg-muted-foreground')} />
      {label}
    </span>
  )
}
