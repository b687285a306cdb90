'use client'

import { useActionState, useId } from 'react'
import { Archive, FolderKanban, Loader2, Plus } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'

export type Campaign = { id: string; name: string; status: 'active' | 'paused' }

// The server actions' ActionResult, restated: lib/actions is server-only.
type Result<T> =
  | { ok: true; data: T }
  | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }
type Action<T> = (previous: Result<T> | null, formData: FormData) => Promise<Result<T>>

export type CampaignActions = { create: Action<Campaign>; rename: Action<Campaign>; archive: Action<{ id: string }> }

/** Create, rename and archive campaigns. The page re-renders with the new list after each. */
export function CampaignsDialog({ campaigns, actions }: { campaigns: Campaign[]; actions: CampaignActions }) {
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button type="button" variant="outline">
          <FolderKanban aria-hidden /> Manage campaigns
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90dvh] overflow-y-auto sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>Campaigns</DialogTitle>
          <DialogDescription>Tag calls with a campaign to see what each launch, client or experiment costs.</DialogDescription>
        </DialogHeader>
        <CreateForm action={actions.create} />
        {campaigns.length ? (
          <ul className="grid gap-3" aria-label="Your campaigns">
            {campaigns.map((campaign) => (
              <CampaignRow key={`${campaign.id}:${campaign.name}`} campaign={campaign} actions={actions} />
            ))}
          </ul>
        ) : (
          <p className="rounded-lg border border-dashed p-4 text-center text-sm text-muted-foreground">
            No campaigns yet. Name one above, then pick it in the Studio header.
          </p>
        )}
      </DialogContent>
    </Dialog>
  )
}

function ErrorText({ id, state }: { id: string; state: Result<unknown> | null }) {
  if (!state || state.ok) return null
  return (
    <p id={id} role="alert" className="text-sm text-destructive">
      {state.fieldErrors?.name ?? state.error}
    </p>
  )
}

function CreateForm({ action }: { action: Action<Campaign> }) {
  const [state, submit, pending] = useActionState(action, null)
  const values = state && !state.ok ? (state.values ?? {}) : {}
  return (
    <form action={submit} className="grid gap-2">
      <Label htmlFor="campaign-new-name">New campaign</Label>
      <div className="flex gap-2">
        <Input
          id="campaign-new-name"
          name="name"
          defaultValue={values.name}
          placeholder="Spring launch"
          maxLength={200}
          required
          aria-invalid={Boolean(state && !state.ok)}
          aria-describedby={state && !state.ok ? 'campaign-new-error' : undefined}
        />
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
          Create
        </Button>
      </div>
      <ErrorText id="campaign-new-error" state={state} />
    </form>
  )
}

function CampaignRow({ campaign, actions }: { campaign: Campaign; actions: CampaignActions }) {
  const [renameState, rename, renaming] = useActionState(actions.rename, null)
  const [archiveState, archive, archiving] = useActionState(actions.archive, null)
  const id = useId()
  const values = renameState && !renameState.ok ? (renameState.values ?? {}) : {}
  return (
    <li className="grid gap-2 rounded-lg border p-3">
      <form action={rename} className="grid gap-2">
        <input type="hidden" name="id" value={campaign.id} />
        <Label htmlFor={`${id}-name`} className="sr-only">
          Name of {campaign.name}
        </Label>
        <div className="flex flex-wrap gap-2">
          <Input
            id={`${id}-name`}
            name="name"
            defaultValue={values.name ?? campaign.name}
            maxLength={200}
            required
            className="min-w-0 flex-1 basis-40"
            aria-invalid={Boolean(renameState && !renameState.ok)}
            aria-describedby={renameState && !renameState.ok ? `${id}-error` : undefined}
          />
          <Button type="submit" variant="secondary" disabled={renaming || archiving} aria-label={`Rename ${campaign.name}`}>
            {renaming ? <Loader2 className="animate-spin" aria-hidden /> : null}
            Rename
          </Button>
          <Button type="submit" formAction={archive} variant="outline" disabled={renaming || archiving} aria-label={`Archive ${campaign.name}`} formNoValidate>
            {archiving ? <Loader2 className="animate-spin" aria-hidden /> : <Archive aria-hidden />}
            Archive
          </Button>
        </div>
      </form>
      <ErrorText id={`${id}-error`} state={renameState} />
      <ErrorText id={`${id}-archive-error`} state={archiveState} />
    </li>
  )
}
