// Who made an operator write: the audit's `actor`. Pure (no server imports) so pages and tests can use it.

export type Actor =
  | { kind: 'operator'; userId: string; email: string }
  | { kind: 'admin_key'; keyId: string; prefix: string }
  | { kind: 'service_key'; keyId: string; prefix: string }
  | { kind: 'cli' }

/** How the audit names an actor: `operator:ada@example.com`, `admin_key:tga_AbCdEfGh`, `cli`. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'operator':
      return `operator:${actor.email}`
    case 'admin_key':
    case 'service_key':
      return `${actor.kind}:${actor.prefix}`
    case 'cli':
      return 'cli'
  }
}

/** The user id the audit keeps for an actor (operators only; keys and the CLI are named by label). */
export function actorUserId(actor: Actor): string | null {
  return actor.kind === 'operator' ? actor.userId : null
}
