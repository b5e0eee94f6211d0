import { showFailToast } from 'vant'
import 'vant/es/toast/style'
import { createClient, ApiError, idempotencyKey, saveFile } from './http'
import type {
  Activity,
  ActivityDraft,
  ActivityList,
  ActivityQuery,
  ActivityType,
  ActivityTypeList,
  Announcement,
  AnnouncementList,
  Site,
  AppNotification,
  BindPhoneBody,
  ChatHistory,
  ChatMember,
  ChatMemberList,
  ChatMessage,
  ChatMuteResult,
  ChatReportResult,
  ChatRoom,
  ChatRoomList,
  ChatTicket,
  Club,
  ClubApplication,
  ClubApplicationList,
  ClubApplicationStatus,
  ClubApplyBody,
  ClubCalendar,
  ClubCategory,
  ClubCategoryList,
  ClubCreateBody,
  ClubList,
  ClubMember,
  ClubMemberList,
  ClubBan,
  ClubBanBody,
  ClubBanList,
  ClubPatchBody,
  ClubQuery,
  ClubRole,
  Comment,
  CommentList,
  LoginBody,
  MembershipPlan,
  MembershipPlanList,
  NotificationList,
  NotificationMarkResult,
  Order,
  Participant,
  ParticipantList,
  PayChannel,
  PayResult,
  Post,
  PostCreateBody,
  PostFlags,
  PostList,
  PostSort,
  PublicUser,
  RegisterBody,
  SendCodeResult,
  Session,
  SessionList,
  Signup,
  SignupList,
  SignUpResult,
  SmsLoginBody,
  SmsPurpose,
  Tag,
  TagList,
  Tokens,
  UnreadCount,
  UpdateMeBody,
  User,
} from './types'

export { ApiError, idempotencyKey, saveFile }
export type * from './types'

/** Set by main.ts: where to go when the session is over. */
let authLostHandler: (() => void) | null = null
export function onAuthLost(fn: () => void) {
  authLostHandler = fn
}

/** Set by the auth store: keeps the signed-in user in step with new tokens. */
let tokensHandler: ((t: Tokens) => void) | null = null
export function onTokens(fn: (t: Tokens) => void) {
  tokensHandler = fn
}

export function toastError(err: unknown) {
  if (err instanceof ApiError) {
    showFailToast({ message: err.userMessage, wordBreak: 'break-word' })
  } else if (err instanceof Error && err.name !== 'AbortError') {
    showFailToast(err.message || '出错了，请稍后再试')
  }
}

export const http = createClient({
  storageKey: 'zuju.app.tokens',
  onError: toastError,
  onAuthLost: () => authLostHandler?.(),
  onTokens: (t) => tokensHandler?.(t),
})

const noAuth = { auth: false } as const
const id = (v: string) => encodeURIComponent(v)

export const api = {
  register: (b: RegisterBody) => http.post<Tokens>('/auth/register', b, noAuth),
  login: (b: LoginBody) => http.post<Tokens>('/auth/login', b, noAuth),
  /** purpose bind needs the signed-in user; login and register are anonymous. */
  sendSmsCode: (phone: string, purpose: SmsPurpose) =>
    http.post<SendCodeResult>('/auth/sms-codes', { phone, purpose }, { auth: purpose === 'bind', quiet: true }),
  smsLogin: (b: SmsLoginBody) => http.post<Tokens>('/auth/sms-login', b, noAuth),
  logout: () => http.logout(),

  me: () => http.get<User>('/me'),
  updateMe: (b: UpdateMeBody) => http.patch<User>('/me', b),
  setMyTags: (tagIds: string[]) => http.put<User>('/me/tags', { tag_ids: tagIds }),
  uploadAvatar: (file: File) => {
    const form = new FormData()
    form.append('file', file, file.name)
    return http.upload<User>('/me/avatar', form)
  },
  /** Quiet: the bind page shows the reason at the field it concerns. */
  bindPhone: (b: BindPhoneBody) => http.post<User>('/me/phone', b, { quiet: true }),
  sessions: async (): Promise<Session[]> => (await http.get<SessionList>('/me/sessions')).items ?? [],
  endSession: (id: string) => http.del<void>('/me/sessions/' + encodeURIComponent(id)),
  tags: async (): Promise<Tag[]> => (await http.get<TagList>('/tags', noAuth)).items ?? [],
  user: (id: string) => http.get<PublicUser>('/users/' + encodeURIComponent(id), noAuth),

  activityTypes: async (): Promise<ActivityType[]> => (await http.get<ActivityTypeList>('/activity-types', noAuth)).items ?? [],
  activities: (q: ActivityQuery) => http.get<ActivityList>('/activities', { query: q }),
  activity: (activityId: string) => http.get<Activity>('/activities/' + id(activityId), { quiet: true }),
  createActivity: (b: ActivityDraft) => http.post<Activity>('/activities', b),
  publishActivity: (activityId: string) => http.post<Activity>(`/activities/${id(activityId)}/publish`),
  cancelActivity: (activityId: string, reason: string) =>
    http.post<Activity>(`/activities/${id(activityId)}/cancel`, reason ? { reason } : {}),
  myActivities: (q: { cursor?: string; limit?: number }) => http.get<ActivityList>('/me/activities', { query: q }),
  /** Quiet: the detail page explains each refusal (closed, members only, …). */
  signUp: (activityId: string) => http.post<SignUpResult>(`/activities/${id(activityId)}/signups`, undefined, { quiet: true }),
  cancelSignup: (activityId: string) => http.del<Signup>(`/activities/${id(activityId)}/signups/me`),
  /** Takes the seat a waitlist offer holds (before offer_expires_at). */
  acceptOffer: (activityId: string) => http.post<Signup>(`/activities/${id(activityId)}/signups/me/accept`),
  uploadCover: (activityId: string, file: File) => {
    const form = new FormData()
    form.append('file', file, file.name)
    return http.upload<Activity>(`/activities/${id(activityId)}/cover`, form)
  },
  signups: async (activityId: string): Promise<Participant[]> =>
    (await http.get<ParticipantList>(`/activities/${id(activityId)}/signups`)).items ?? [],
  /** The participants as a CSV file (UTF-8 with BOM), fetched with the bearer token. */
  exportSignups: (activityId: string) => http.download(`/activities/${id(activityId)}/signups.csv`, `报名名单-${activityId}.csv`),
  /** Quiet: the check-in screen shows each refusal (already checked in, unknown code, outside the window). */
  checkIn: (activityId: string, code: string) => http.post<Signup>(`/activities/${id(activityId)}/check-ins`, { code }, { quiet: true }),
  /** The caller's sign-ups, newest first: the latest 50 (the page size limit). */
  mySignups: async (): Promise<Signup[]> => (await http.get<SignupList>('/me/signups?limit=50')).items ?? [],
  publicUser: (userId: string) => http.get<PublicUser>('/users/' + id(userId), { auth: false, quiet: true }),

  /** An order of the caller (quiet: the payment result page explains a missing one). */
  order: (orderNo: string) => http.get<Order>('/orders/' + id(orderNo), { quiet: true }),
  /** Starts paying a pending order; quiet: the caller explains an unavailable channel. */
  payOrder: (orderNo: string, channel: PayChannel) =>
    http.post<PayResult>(`/orders/${id(orderNo)}/pay`, { channel }, { quiet: true }),
  membershipPlans: async (): Promise<MembershipPlan[]> =>
    (await http.get<MembershipPlanList>('/membership/plans', noAuth)).items ?? [],
  /** The order for a plan; the same key returns the same order on a retry. */
  buyMembership: (planId: string, key: string) =>
    http.post<Order>('/membership/orders', { plan_id: planId }, { headers: { 'Idempotency-Key': key } }),

  // 消息: the inbox (newest first) and the announcements the app shows (pinned first).
  notifications: (cursor = '', limit = 20) => http.get<NotificationList>('/notifications', { query: { cursor, limit }, quiet: true }),
  unreadCount: async (): Promise<number> => (await http.get<UnreadCount>('/notifications/unread-count', { quiet: true })).unread,
  markNotificationRead: (notificationId: string) =>
    http.post<AppNotification>(`/notifications/${id(notificationId)}/read`, undefined, { quiet: true }),
  markAllNotificationsRead: () => http.post<NotificationMarkResult>('/notifications/read', { all: true }),
  announcements: async (): Promise<Announcement[]> =>
    (await http.get<AnnouncementList>('/announcements', { query: { audience: 'h5' }, auth: false, quiet: true })).items ?? [],
  /** The home page's notice and banners (system configs). */
  site: () => http.get<Site>('/site', { auth: false, quiet: true }),

  // Chat rooms of formed activities (the live part is the WebSocket in stores/chat.ts).
  // Quiet: the chat screens explain each refusal where it happens.
  chatRooms: async (): Promise<ChatRoom[]> => (await http.get<ChatRoomList>('/chat/rooms', { quiet: true })).items ?? [],
  /** A page of a room's messages, newest first; `before` is the previous page's next_cursor. */
  chatMessages: (roomId: string, before = '', limit = 30) =>
    http.get<ChatHistory>(`/chat/rooms/${id(roomId)}/messages`, { query: { before, limit }, quiet: true }),
  /** Sends over HTTP (when the socket is down); the same client_id is stored once. */
  sendChatMessage: (roomId: string, content: string, clientId: string) =>
    http.post<ChatMessage>(`/chat/rooms/${id(roomId)}/messages`, { content, client_id: clientId }, { quiet: true }),
  readChat: (roomId: string, messageId: string) =>
    http.post<void>(`/chat/rooms/${id(roomId)}/read`, { message_id: messageId }, { quiet: true }),
  chatMembers: async (roomId: string): Promise<ChatMember[]> =>
    (await http.get<ChatMemberList>(`/chat/rooms/${id(roomId)}/members`, { quiet: true })).items ?? [],
  muteChatMember: (roomId: string, userId: string, minutes: number) =>
    http.put<ChatMuteResult>(`/chat/rooms/${id(roomId)}/members/${id(userId)}/mute`, { minutes }),
  unmuteChatMember: (roomId: string, userId: string) => http.del<ChatMuteResult>(`/chat/rooms/${id(roomId)}/members/${id(userId)}/mute`),
  removeChatMember: (roomId: string, userId: string) => http.del<void>(`/chat/rooms/${id(roomId)}/members/${id(userId)}`),
  deleteChatMessage: (roomId: string, messageId: string) => http.del<void>(`/chat/rooms/${id(roomId)}/messages/${id(messageId)}`),
  reportChatMessage: (roomId: string, messageId: string, reason: string) =>
    http.post<ChatReportResult>(`/chat/rooms/${id(roomId)}/messages/${id(messageId)}/reports`, { reason }),
  /** A one-time ticket for the WebSocket (valid 60 s). */
  chatTicket: () => http.post<ChatTicket>('/chat/tickets', undefined, { quiet: true }),

  // Clubs (社团联盟). Quiet where the page explains the refusal itself.
  clubCategories: async (): Promise<ClubCategory[]> => (await http.get<ClubCategoryList>('/club-categories', noAuth)).items ?? [],
  clubs: (q: ClubQuery) => http.get<ClubList>('/clubs', { query: q }),
  club: (clubId: string) => http.get<Club>('/clubs/' + id(clubId), { quiet: true }),
  createClub: (b: ClubCreateBody) => http.post<Club>('/clubs', b),
  updateClub: (clubId: string, b: ClubPatchBody) => http.patch<Club>('/clubs/' + id(clubId), b),
  dissolveClub: (clubId: string) => http.del<void>('/clubs/' + id(clubId)),
  favoriteClub: (clubId: string) => http.put<void>(`/clubs/${id(clubId)}/favorite`),
  unfavoriteClub: (clubId: string) => http.del<void>(`/clubs/${id(clubId)}/favorite`),
  applyToClub: (clubId: string, b: ClubApplyBody) => http.post<ClubApplication>(`/clubs/${id(clubId)}/applications`, b, { quiet: true }),
  clubApplications: async (clubId: string, status: ClubApplicationStatus | '' = 'pending'): Promise<ClubApplication[]> =>
    (await http.get<ClubApplicationList>(`/clubs/${id(clubId)}/applications`, { query: { status: status || undefined } })).items ?? [],
  approveApplication: (clubId: string, appId: string) =>
    http.post<ClubApplication>(`/clubs/${id(clubId)}/applications/${id(appId)}/approve`, {}),
  rejectApplication: (clubId: string, appId: string, reason: string) =>
    http.post<ClubApplication>(`/clubs/${id(clubId)}/applications/${id(appId)}/reject`, { reason }),
  /** Quiet: outsiders get a 403, the club page then shows the owner only. */
  clubMembers: async (clubId: string): Promise<ClubMember[]> =>
    (await http.get<ClubMemberList>(`/clubs/${id(clubId)}/members`, { quiet: true })).items ?? [],
  setClubRole: (clubId: string, userId: string, role: ClubRole) =>
    http.patch<ClubMember>(`/clubs/${id(clubId)}/members/${id(userId)}`, { role }),
  removeClubMember: (clubId: string, userId: string) => http.del<void>(`/clubs/${id(clubId)}/members/${id(userId)}`),
  clubBans: async (clubId: string): Promise<ClubBan[]> => (await http.get<ClubBanList>(`/clubs/${id(clubId)}/bans`)).items ?? [],
  banFromClub: (clubId: string, b: ClubBanBody) => http.post<ClubBan>(`/clubs/${id(clubId)}/bans`, b),
  liftClubBan: (clubId: string, userId: string) => http.del<void>(`/clubs/${id(clubId)}/bans/${id(userId)}`),
  clubCalendar: (clubId: string, from: string, to: string) =>
    http.get<ClubCalendar>(`/clubs/${id(clubId)}/calendar`, { query: { from, to } }),
  /** The iCalendar feed's address, for calendar apps to subscribe to. */
  clubCalendarURL: (clubId: string) => `${location.origin}/api/v1/clubs/${id(clubId)}/calendar.ics`,

  // Posts: the square (no club_id) and club boards.
  posts: (q: { club_id?: string; sort?: PostSort; cursor?: string; limit?: number }) => http.get<PostList>('/posts', { query: q }),
  post: (postId: string) => http.get<Post>('/posts/' + id(postId), { quiet: true }),
  createPost: (b: PostCreateBody) => http.post<Post>('/posts', b),
  setPostFlags: (postId: string, b: PostFlags) => http.patch<Post>('/posts/' + id(postId), b),
  deletePost: (postId: string) => http.del<void>('/posts/' + id(postId)),
  /** Quiet: the caller undoes its optimistic change and explains. */
  likePost: (postId: string) => http.put<Post>(`/posts/${id(postId)}/like`, undefined, { quiet: true }),
  unlikePost: (postId: string) => http.del<Post>(`/posts/${id(postId)}/like`, { quiet: true }),
  favoritePost: (postId: string) => http.put<Post>(`/posts/${id(postId)}/favorite`, undefined, { quiet: true }),
  unfavoritePost: (postId: string) => http.del<Post>(`/posts/${id(postId)}/favorite`, { quiet: true }),
  comments: async (postId: string): Promise<Comment[]> => (await http.get<CommentList>(`/posts/${id(postId)}/comments`, { query: { limit: 50 } })).items ?? [],
  commentsAfter: (postId: string, after: string) => http.get<CommentList>(`/posts/${id(postId)}/comments`, { query: { after, limit: 50 } }),
  createComment: (postId: string, content: string, parentId?: string) =>
    http.post<Comment>(`/posts/${id(postId)}/comments`, parentId ? { content, parent_id: parentId } : { content }),
  myPosts: () => http.get<PostList>('/me/posts'),
  myFavoritePosts: (cursor = '') => http.get<PostList>('/me/favorites/posts', { query: { cursor, limit: 20 } }),
}
