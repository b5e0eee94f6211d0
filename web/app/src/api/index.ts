import { showFailToast } from 'vant'
import 'vant/es/toast/style'
import { createClient, ApiError } from './http'
import type {
  BindPhoneBody,
  LoginBody,
  PublicUser,
  RegisterBody,
  SendCodeResult,
  Session,
  SessionList,
  SmsLoginBody,
  SmsPurpose,
  Tag,
  TagList,
  Tokens,
  UpdateMeBody,
  User,
} from './types'

export { ApiError }
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
}
