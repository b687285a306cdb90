// The shape console server actions return (lib/actions.ts ActionResult), for client islands
// that must not import server code.
export type FormResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; error: string; fieldErrors?: Partial<Record<string, string>>; values?: Record<string, string> }

export type FormActionFn<T = undefined> = (previous: FormResult<T> | null, form: FormData) => Promise<FormResult<T>>
