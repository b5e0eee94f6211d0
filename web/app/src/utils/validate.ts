// Client-side checks that mirror the server's rules, so that most mistakes
// are caught before a request is sent. The server stays the authority.

/** Strips spaces, dashes and a +86 / 0086 prefix from a mainland mobile number. */
export function normalizePhone(s: string): string {
  let p = s.replace(/[\s-]/g, '')
  if (p.startsWith('+86')) p = p.slice(3)
  else if (p.startsWith('0086')) p = p.slice(4)
  return p
}

export function isPhone(s: string): boolean {
  return /^1[3-9]\d{9}$/.test(normalizePhone(s))
}

export function isEmail(s: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.trim()) && s.trim().length <= 254
}

export function isSmsCode(s: string): boolean {
  return /^\d{6}$/.test(s.trim())
}

/** Empty string when fine, otherwise the message to show. */
export function passwordProblem(s: string): string {
  if (s.length < 8) return '密码至少 8 位'
  if (s.length > 128) return '密码不能超过 128 位'
  if (!/[A-Za-z]/.test(s) || !/\d/.test(s)) return '密码需同时包含字母和数字'
  return ''
}

export function charCount(s: string): number {
  return Array.from(s).length
}

export function nicknameProblem(s: string): string {
  const n = charCount(s.trim())
  if (n === 0) return '请填写昵称'
  if (n > 20) return '昵称不能超过 20 个字符'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return '昵称不能包含特殊控制字符'
  return ''
}
