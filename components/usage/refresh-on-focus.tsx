'use client'

import { useRouter } from 'next/navigation'
import { useEffect } from 'react'

/**
 * Re-renders the server component around it when the window regains focus or a Studio call
 * finishes (the Studio fires `tollgate:usage-changed`), so numbers move without a reload.
 */
export function RefreshOnFocus() {
  const router = useRouter()
  useEffect(() => {
    const refresh = () => router.refresh()
    window.addEventListener('focus', refresh)
    window.addEventListener('tollgate:usage-changed', refresh)
    return () => {
      window.removeEventListener('focus', refresh)
      window.removeEventListener('tollgate:usage-changed', refresh)
    }
  }, [router])
  return null
}
