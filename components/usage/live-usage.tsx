'use client'

import { useRouter } from 'next/navigation'
import { useCallback, useEffect, useRef, useState, useTransition } from 'react'
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
  const [refreshing, startRefresh] = useTransition()
  // A refresh asked for while one is in flight must run after it: the one in flight may have
  // read the database before the call that triggered the new request committed.
  const wanted = useRef(false)
  const inFlight = useRef(false)
  const flush = useCallback(() => {
    if (inFlight.current || !wanted.current) return
    wanted.current = false
    inFlight.current = true
    startRefresh(() => router.refresh())
  }, [router])
  useEffect(() => {
    if (refreshing) return
    inFlight.current = false
    flush()
  }, [refreshing, flush])
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const refresh = () => {
      wanted.current = true
      if (timer) return
      timer = setTimeout(() => {
        timer = undefined
        flush()
      }, DEBOUNCE_MS)
    }
    let source: EventSource | undefined
    let retry: ReturnType<typeof setTimeout> | undefined
    let backoffMs = 2_000
    const connect = () => {
      source = new EventSource('/api/usage/events')
      source.addEventListener('ready', () => {
        backoffMs = 2_000
        setState('live')
        refresh()
      })
      source.addEventListener('usage', refresh)
      source.onerror = () => {
        // EventSource reconnects by itself after a dropped stream, but gives up for good on an
        // error answer (a 503 while the database restarts): then try again, backing off.
        if (source?.readyState !== EventSource.CLOSED) return setState('connecting')
        setState('offline')
        retry = setTimeout(connect, backoffMs)
        backoffMs = Math.min(backoffMs * 2, 60_000)
      }
    }
    connect()
    // The Studio, in this tab, says so the moment its own call ends.
    window.addEventListener('tollgate:usage-changed', refresh)
    return () => {
      clearTimeout(timer)
      clearTimeout(retry)
      source?.close()
      window.removeEventListener('tollgate:usage-changed', refresh)
    }
  }, [flush])
  const label = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Offline, retrying'
  return (
    <span data-testid="live-status" data-state={state} role="status" className="inline-flex items-center gap-1.5 text-xs font-normal text-muted-foreground">
      <span aria-hidden className={cn('size-2 rounded-full', state === 'live' ? 'bg-success' : state === 'connecting' ? 'animate-pulse bg-warning' : 'bg-muted-foreground')} />
      {label}
    </span>
  )
}
