// Money is integer fen everywhere in the API. Amounts are shown as ¥12.34
// and typed in 元 with at most two decimals; the text is parsed digit by
// digit, never through a float, so "0.29" is 29 fen and not 28.999….

/** ¥12.34 (¥1,234.00 with thousands separators), from integer fen. */
export function formatFen(fen: number | null | undefined): string {
  const n = Math.trunc(Number(fen) || 0)
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(n)
  const yuan = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`
}

/** 12.34 for an input field (no currency sign, no separators). */
export function fenToYuanInput(fen: number): string {
  const abs = Math.abs(Math.trunc(fen))
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

const YUAN = /^(\d{1,9})(?:\.(\d{0,2}))?$/

/**
 * Integer fen from a 元 amount typed by a person ("12", "12.3", "12.34",
 * "0.05", "1,200.00"); null when it is not such an amount (negative, more
 * than two decimals, letters, empty).
 */
export function parseYuan(text: string | null | undefined): number | null {
  const t = (text ?? '').trim().replace(/[,，\s]/g, '').replace(/^[¥￥]/, '')
  const m = YUAN.exec(t)
  if (!m) return null
  const whole = Number(m[1])
  const cents = Number((m[2] ?? '').padEnd(2, '0'))
  return whole * 100 + cents
}
