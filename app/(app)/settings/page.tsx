import { redirect } from 'next/navigation'

// /settings opens on what people come here for most: their usage and costs.
export default function SettingsPage() {
  redirect('/settings/usage')
}
