// A template (unlike a layout) re-mounts on every tab change, which replays the fade-in.
export default function SettingsTemplate({ children }: { children: React.ReactNode }) {
  return <div className="animate-fade-in">{children}</div>
}
