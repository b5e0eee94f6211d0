import { ElMessage } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import { ApiError, createClient, idempotencyKey, saveFile } from './http'
import type {
  ActivityQuery,
  ActivityType,
  ActivityTypeBody,
  ActivityTypeList,
  ActivityTypePatch,
  AdminActivityList,
  AdminOrderList,
  AdminUser,
  AdminUserList,
  AuditList,
  AuditQuery,
  BanBody,
  AdminClubList,
  Announcement,
  AnnouncementBody,
  AnnouncementList,
  AnnouncementQuery,
  ReportQuery,
  ReportQueue,
  ReportReasonLabel,
  ReportReasonList,
  ReportResolution,
  ReportResolveBody,
  SystemConfig,
  SystemConfigList,
  Club,
  ClubCategory,
  ClubCategoryBody,
  ClubCategoryList,
  AdminClubCategory,
  AdminClubCategoryList,
  ClubQuery,
  ModerationKind,
  ModerationQueue,
  SensitiveWord,
  SensitiveWordBody,
  SensitiveWordList,
  StatsDaily,
  StatsOverview,
  StatsQuery,
  WordAction,
  LoginBody,
  MembershipPlan,
  MembershipPlanList,
  OrderQuery,
  PlanBody,
  PlanPatch,
  Refund,
  RefundBody,
  Tag,
  TagBody,
  TagList,
  TagPatch,
  Tokens,
  UnbanBody,
  User,
  UserQuery,
} from './types'

export { ApiError, idempotencyKey, saveFile }
export type * from './types'

let authLostHandler: (() => void) | null = null
/** Set by main.ts: where to go when the session is over. */
export function onAuthLost(fn: () => void) {
  authLostHandler = fn
}

let tokensHandler: ((t: Tokens) => void) | null = null
/** Set by the auth store: keeps the signed-in user in step with new tokens. */
export function onTokens(fn: (t: Tokens) => void) {
  tokensHandler = fn
}

export function toastError(err: unknown) {
  if (err instanceof ApiError) {
    ElMessage({ type: 'error', message: err.userMessage, grouping: true, showClose: true })
  } else if (err instanceof Error && err.name !== 'AbortError') {
    ElMessage({ type: 'error', message: err.message || '出错了，请稍后再试', grouping: true })
  }
}

export const http = createClient({
  storageKey: 'zuju.admin.tokens',
  onError: toastError,
  onAuthLost: () => authLostHandler?.(),
  onTokens: (t) => tokensHandler?.(t),
})

const id = (v: string) => encodeURIComponent(v)

export const api = {
  login: (b: LoginBody) => http.post<Tokens>('/auth/login', b, { auth: false }),
  logout: () => http.logout(),
  me: () => http.get<User>('/me'),

  users: (q: UserQuery) => http.get<AdminUserList>('/admin/users', { query: q }),
  user: (userId: string) => http.get<AdminUser>('/admin/users/' + id(userId)),
  ban: (userId: string, b: BanBody) => http.post<AdminUser>(`/admin/users/${id(userId)}/ban`, b),
  unban: (userId: string, b: UnbanBody) => http.post<AdminUser>(`/admin/users/${id(userId)}/unban`, b),
  setRoles: (userId: string, roles: string[]) => http.put<AdminUser>(`/admin/users/${id(userId)}/roles`, { roles }),

  auditLogs: (q: AuditQuery) => http.get<AuditList>('/admin/audit-logs', { query: q }),

  // 数据统计 (admins): totals and the daily series, days in the server's statistics time zone.
  statsOverview: () => http.get<StatsOverview>('/admin/stats/overview'),
  statsDaily: (q: StatsQuery) => http.get<StatsDaily>('/admin/stats/daily', { query: q }),

  tags: async (): Promise<Tag[]> => (await http.get<TagList>('/admin/tags')).items ?? [],
  createTag: (b: TagBody) => http.post<Tag>('/admin/tags', b),
  updateTag: (tagId: string, b: TagPatch) => http.patch<Tag>('/admin/tags/' + id(tagId), b),
  deleteTag: (tagId: string) => http.del<void>('/admin/tags/' + id(tagId)),

  activityTypes: async (): Promise<ActivityType[]> => (await http.get<ActivityTypeList>('/admin/activity-types')).items ?? [],
  createActivityType: (b: ActivityTypeBody) => http.post<ActivityType>('/admin/activity-types', b),
  updateActivityType: (typeId: string, b: ActivityTypePatch) => http.patch<ActivityType>('/admin/activity-types/' + id(typeId), b),
  deleteActivityType: (typeId: string) => http.del<void>('/admin/activity-types/' + id(typeId)),

  activities: (q: ActivityQuery) => http.get<AdminActivityList>('/admin/activities', { query: q }),
  /** An activity's participants as CSV (the read is audited), fetched with the bearer token. */
  exportParticipants: (activityId: string) =>
    http.download(`/admin/activities/${id(activityId)}/participants.csv`, `参与者-${activityId}.csv`),

  orders: (q: OrderQuery) => http.get<AdminOrderList>('/admin/orders', { query: q }),
  /**
   * Refunds part or all of a paid order (audited). Quiet: the dialog shows
   * the refusals at its fields. `key`: one per dialog opening, so that a
   * repeated click or a retried request refunds once.
   */
  refundOrder: (orderNo: string, b: RefundBody, key: string) =>
    http.post<Refund>(`/admin/orders/${id(orderNo)}/refunds`, b, { quiet: true, headers: { 'Idempotency-Key': key } }),

  membershipPlans: async (): Promise<MembershipPlan[]> => (await http.get<MembershipPlanList>('/admin/membership-plans')).items ?? [],
  createMembershipPlan: (b: PlanBody) => http.post<MembershipPlan>('/admin/membership-plans', b),
  updateMembershipPlan: (planId: string, b: PlanPatch) => http.patch<MembershipPlan>('/admin/membership-plans/' + id(planId), b),

  /** Public profile; used to show actor nicknames in the audit log. */
  publicUser: (userId: string) =>
    http.get<{ id: string; nickname: string; avatar_url: string }>('/users/' + id(userId), { auth: false, quiet: true }),

  // 社团联盟: the club review queue and the categories.
  clubs: (q: ClubQuery) => http.get<AdminClubList>('/admin/clubs', { query: q }),
  approveClub: (clubId: string) => http.post<Club>(`/admin/clubs/${id(clubId)}/approve`, {}),
  rejectClub: (clubId: string, reason: string) => http.post<Club>(`/admin/clubs/${id(clubId)}/reject`, { reason }),
  /** The public list (the admin API only adds categories). */
  clubCategories: async (): Promise<ClubCategory[]> => (await http.get<ClubCategoryList>('/club-categories', { auth: false })).items ?? [],
  createClubCategory: (b: ClubCategoryBody) => http.post<ClubCategory>('/admin/club-categories', b),
  adminClubCategories: async (): Promise<AdminClubCategory[]> =>
    (await http.get<AdminClubCategoryList>('/admin/club-categories')).items ?? [],
  updateClubCategory: (categoryId: string, b: ClubCategoryBody) =>
    http.patch<AdminClubCategory>('/admin/club-categories/' + id(categoryId), b),
  deleteClubCategory: (categoryId: string) => http.del<void>('/admin/club-categories/' + id(categoryId)),

  // Content moderation: sensitive words and the review queue.
  sensitiveWords: (): Promise<SensitiveWordList> => http.get<SensitiveWordList>('/admin/sensitive-words'),
  createSensitiveWord: (b: SensitiveWordBody) => http.post<SensitiveWord>('/admin/sensitive-words', b),
  updateSensitiveWord: (wordId: string, action: WordAction) => http.patch<SensitiveWord>('/admin/sensitive-words/' + id(wordId), { action }),
  deleteSensitiveWord: (wordId: string) => http.del<void>('/admin/sensitive-words/' + id(wordId)),
  // 举报处理: one entry per reported target (cursor paging); resolving one
  // resolves every open report of its target. Quiet: the dialog shows the refusals.
  reports: (q: ReportQuery) => http.get<ReportQueue>('/admin/reports', { query: q }),
  resolveReport: (reportId: string, b: ReportResolveBody) =>
    http.post<ReportResolution>(`/admin/reports/${id(reportId)}/resolve`, b, { quiet: true }),
  reportReasons: async (): Promise<ReportReasonLabel[]> =>
    (await http.get<ReportReasonList>('/report-reasons', { auth: false, quiet: true })).items ?? [],

  // 公告管理 (admins write, moderators read).
  announcements: (q: AnnouncementQuery) => http.get<AnnouncementList>('/admin/announcements', { query: q }),
  /** Quiet: the form shows the refusals at its fields. */
  createAnnouncement: (b: AnnouncementBody) => http.post<Announcement>('/admin/announcements', b, { quiet: true }),
  updateAnnouncement: (annId: string, b: AnnouncementBody) =>
    http.patch<Announcement>('/admin/announcements/' + id(annId), b, { quiet: true }),
  deleteAnnouncement: (annId: string) => http.del<void>('/admin/announcements/' + id(annId)),
  announcementAction: (annId: string, action: 'publish' | 'unpublish' | 'pin' | 'unpin') =>
    http.post<Announcement>(`/admin/announcements/${id(annId)}/${action}`, {}),

  // 系统配置 (staff read; super admins save). Quiet: the editor shows the refusal.
  configs: async (): Promise<SystemConfig[]> => (await http.get<SystemConfigList>('/admin/configs')).items ?? [],
  setConfig: (key: string, value: unknown) => http.put<SystemConfig>('/admin/configs/' + id(key), { value }, { quiet: true }),

  moderationQueue: () => http.get<ModerationQueue>('/admin/moderation'),
  approveHeld: (kind: ModerationKind, itemId: string) => http.post<void>(`/admin/moderation/${kind}/${id(itemId)}/approve`, {}),
  rejectHeld: (kind: ModerationKind, itemId: string, reason: string) =>
    http.post<void>(`/admin/moderation/${kind}/${id(itemId)}/reject`, { reason }),
}
