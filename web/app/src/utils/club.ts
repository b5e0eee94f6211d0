import { ref } from 'vue'
import { api } from '../api'
import type { ClubApplication, ClubCategory, ClubRole, ClubStatus, PostStatus } from '../api'

export const clubRoleLabels: Record<ClubRole, string> = {
  owner: '社长',
  officer: '干事',
  member: '成员',
}

export function roleLabel(r: string | null | undefined): string {
  return r ? (clubRoleLabels[r as ClubRole] ?? r) : ''
}

/** Officers and the owner run the club (applications, members, edits, activities). */
export function isOfficer(r: string | null | undefined): boolean {
  return r === 'owner' || r === 'officer'
}

export const clubStatusLabels: Record<ClubStatus, string> = {
  pending: '审核中',
  active: '已通过',
  rejected: '未通过',
  dissolved: '已解散',
}

export const postStatusLabels: Record<PostStatus, string> = {
  published: '已发布',
  pending_review: '审核中',
  rejected: '未通过',
  deleted: '已删除',
}

export const applicationStatusLabels: Record<ClubApplication['status'], string> = {
  pending: '待审核',
  approved: '已通过',
  rejected: '已拒绝',
}

// The categories, loaded once per page view and shared.
const categories = ref<ClubCategory[]>([])
let loading: Promise<ClubCategory[]> | null = null

export function useClubCategories() {
  function load(): Promise<ClubCategory[]> {
    if (categories.value.length) return Promise.resolve(categories.value)
    loading ??= api
      .clubCategories()
      .then((c) => (categories.value = c))
      .finally(() => (loading = null))
    return loading
  }
  const categoryName = (id: string | null | undefined) => categories.value.find((c) => c.id === id)?.name ?? ''
  return { categories, load, categoryName }
}

/** Plain text typed in a textarea as the HTML a post's content is (paragraphs, line breaks). */
export function textToHtml(text: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  return text
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`)
    .join('')
}

/** The readable text of a post's cleaned HTML (for previews in lists). */
export function htmlToText(html: string): string {
  const d = new DOMParser().parseFromString(html, 'text/html')
  return (d.body.textContent ?? '').replace(/\s+/g, ' ').trim()
}

/** Counts as 1.2万 past ten thousand. */
export function formatCount(n: number): string {
  return n >= 10000 ? `${(n / 10000).toFixed(1).replace(/\.0$/, '')}万` : String(n)
}

/** Image addresses the server takes for a post: https or its own /files/. */
export function validImageURL(u: string): boolean {
  return (/^https:\/\/[^\s"'<>]+$/.test(u) || /^\/files\/[^\s"'<>]+$/.test(u)) && u.length <= 500
}
