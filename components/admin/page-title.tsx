/** A console page's one h1, with an optional line under it. */
export function PageTitle({ title, description }: { title: string; description?: React.ReactNode }) {
  return (
    <div>
      <h1 className="text-xl font-semibold">{title}</h1>
      {description ? <p className="text-sm text-muted-foreground">{description}</p> : null}
    </div>
  )
}
