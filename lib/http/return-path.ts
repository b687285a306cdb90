/**
 * A same-site path to go back to after sign-in. Anything else (another origin, `//host`,
 * `/\host`, which browsers treat as another origin) falls back to `/studio`, so a crafted
 * ?next= cannot bounce a user to a phishing page.
 */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) && !/[\u0000-\u001f]/.test(value) ? value : '/studio'
}
