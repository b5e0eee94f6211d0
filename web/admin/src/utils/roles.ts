import type { Role } from '../api'

export const ROLES: { value: Role; label: string }[] = [
  { value: 'user', label: '普通用户' },
  { value: 'organizer', label: '活动组织者' },
  { value: 'moderator', label: '审核员' },
  { value: 'admin', label: '管理员' },
  { value: 'super_admin', label: '超级管理员' },
]

const labels = Object.fromEntries(ROLES.map((r) => [r.value, r.label])) as Record<string, string>

export function roleLabel(r: string): string {
  return labels[r] ?? r
}

export type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger'

export function roleTagType(r: string): TagType {
  switch (r) {
    case 'super_admin':
      return 'danger'
    case 'admin':
      return 'warning'
    case 'moderator':
      return 'primary'
    case 'organizer':
      return 'success'
    default:
      return 'info'
  }
}

export const STAFF_ROLES: readonly string[] = ['moderator', 'admin', 'super_admin']

export function isStaff(roles: readonly string[] | null | undefined): boolean {
  return (roles ?? []).some((r) => STAFF_ROLES.includes(r))
}

export function isAdmin(roles: readonly string[] | null | undefined): boolean {
  return (roles ?? []).some((r) => r === 'admin' || r === 'super_admin')
}

export function isSuperAdmin(roles: readonly string[] | null | undefined): boolean {
  return (roles ?? []).includes('super_admin')
}

/**
 * Mirrors the server's rule (the server decides): super admins act on anyone,
 * admins on everyone below admin, moderators on non-staff accounts only.
 */
export function outranks(actor: readonly string[] | null | undefined, target: readonly string[] | null | undefined): boolean {
  if (isSuperAdmin(actor)) return true
  if (isAdmin(actor)) return !isAdmin(target)
  return isStaff(actor) && !isStaff(target)
}
