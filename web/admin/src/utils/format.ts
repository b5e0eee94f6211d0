const pad = (n: number) => String(n).padStart(2, '0')

/** 2026-05-01 14:03 in the browser's time zone; '—' for none. */
export function formatTime(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return withSeconds ? `${base}:${pad(d.getSeconds())}` : base
}

export const genderLabels: Record<string, string> = {
  male: '男',
  female: '女',
  other: '其他',
  '': '未填写',
}

/** Pretty-prints a JSON document stored as text; other text is returned as is. */
export function prettyJSON(s: string | null | undefined): string {
  if (!s) return ''
  try {
    return JSON.stringify(JSON.parse(s), null, 2)
  } catch {
    return s
  }
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}
