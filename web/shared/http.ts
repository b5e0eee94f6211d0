// Small fetch client for the Zuju API (/api/v1).
//
// - JSON in and out, `Authorization: Bearer <access token>`.
// - On a 401 it rotates the stored refresh token once (POST /auth/refresh),
//   stores the new pair and repeats the request; when that fails the tokens
//   are dropped and `onAuthLost` sends the user to the login page.
// - Errors are RFC 9457 problem documents; they surface as `ApiError` and,
//   unless the call is `quiet`, through `onError` (a toast showing `detail`).
//
// Shared by web/app and web/admin: each app's src/api/http.ts re-exports it
// and configures it with createClient() in src/api/index.ts. `@schema` is the
// importing app's generated src/api/schema.d.ts (`paths` in its tsconfig.json);
// the import is type-only, so the bundle does not resolve it.

import type { components } from '@schema'

export type Problem = components['schemas']['Problem']
export type Tokens = components['schemas']['TokensDTO']

export const API_BASE = '/api/v1'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly errors: NonNullable<Problem['errors']>
  /** Seconds from the Retry-After header of a 429, if any. */
  readonly retryAfter: number | null
  readonly requestId: string
  /** Machine-readable context some errors carry (e.g. the sign-up already checked in). */
  readonly data: unknown

  constructor(p: Partial<Problem> & { status: number }, retryAfter: number | null = null) {
    const detail = p.detail || p.title || defaultDetail(p.status)
    super(detail)
    this.name = 'ApiError'
    this.status = p.status
    this.code = p.code || (p.status === 0 ? 'network' : `http.${p.status}`)
    this.detail = detail
    this.errors = p.errors || []
    this.retryAfter = retryAfter
    this.requestId = p.request_id || ''
    this.data = p.data ?? null
  }

  /** The text to show: `detail`, plus when to try again for a 429. */
  get userMessage(): string {
    if (this.status !== 429 || !this.retryAfter) return this.detail
    const s = this.retryAfter
    const wait = s < 60 ? `${s} 秒` : s < 3600 ? `${Math.ceil(s / 60)} 分钟` : `${Math.ceil(s / 3600)} 小时`
    return `${this.detail}（请 ${wait}后重试）`
  }
}

function defaultDetail(status: number): string {
  if (status === 0) return '网络连接失败，请检查网络后重试'
  if (status === 401) return '请先登录'
  if (status === 403) return '没有权限执行该操作'
  if (status === 404) return '请求的内容不存在'
  if (status === 413) return '上传的文件太大'
  if (status === 429) return '操作太频繁，请稍后再试'
  if (status >= 500) return '服务暂时不可用，请稍后再试'
  return '请求失败，请稍后再试'
}

export interface StoredTokens {
  access_token: string
  refresh_token: string
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  /** JSON body. */
  body?: unknown
  /** Multipart body (file upload); wins over `body`. */
  form?: FormData
  /** Send the access token and refresh it on 401 (default true). */
  auth?: boolean
  /** Do not report errors through onError (the caller handles them). */
  quiet?: boolean
  signal?: AbortSignal
  /** Read the answer as a file (CSV exports) instead of JSON. */
  file?: boolean
  /** Extra request headers (e.g. `Idempotency-Key`). */
  headers?: Record<string, string>
}

/** A file answered by the API (see `download`). */
export interface DownloadedFile {
  blob: Blob
  /** From Content-Disposition, else the fallback the caller gave. */
  filename: string
}

/** The file name of a Content-Disposition header (filename* first), or ''. */
export function dispositionFilename(header: string | null): string {
  if (!header) return ''
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(header)
  return plain ? (plain[2] ?? plain[1]).trim() : ''
}

/** Hands a downloaded file to the browser as a download. */
export function saveFile(f: DownloadedFile) {
  const url = URL.createObjectURL(f.blob)
  const a = document.createElement('a')
  a.href = url
  a.download = f.filename
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  // Give the browser time to start the download before the URL goes.
  setTimeout(() => URL.revokeObjectURL(url), 30_000)
}

export interface ClientConfig {
  /** localStorage key of the token pair. */
  storageKey: string
  /** Shows an error to the user (toast). */
  onError?: (err: ApiError) => void
  /** Called when the session is gone for good (refresh failed). */
  onAuthLost?: (err: ApiError) => void
  /** Called with every new token pair (login, register, refresh). */
  onTokens?: (t: Tokens) => void
}

type RefreshResult = { ok: true } | { ok: false; error: ApiError; fatal: boolean }

export function createClient(cfg: ClientConfig) {
  const key = cfg.storageKey

  function readTokens(): StoredTokens | null {
    try {
      const raw = localStorage.getItem(key)
      if (!raw) return null
      const t = JSON.parse(raw) as Partial<StoredTokens>
      if (typeof t.access_token === 'string' && typeof t.refresh_token === 'string') {
        return { access_token: t.access_token, refresh_token: t.refresh_token }
      }
    } catch {
      // unreadable storage counts as signed out
    }
    return null
  }

  function writeTokens(t: StoredTokens) {
    try {
      localStorage.setItem(key, JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token }))
    } catch {
      // private mode without storage: the session lasts as long as the page
    }
  }

  function clearTokens() {
    try {
      localStorage.removeItem(key)
    } catch {
      // ignore
    }
  }

  /** Stores a fresh pair from login, register or refresh. */
  function setTokens(t: Tokens) {
    writeTokens(t)
    cfg.onTokens?.(t)
  }

  async function parseError(res: Response): Promise<ApiError> {
    let p: Partial<Problem> = {}
    try {
      const text = await res.text()
      if (text) p = JSON.parse(text) as Partial<Problem>
    } catch {
      // not a problem document (proxy error page and the like)
    }
    const ra = res.headers.get('Retry-After')
    const retryAfter = ra && /^\d+$/.test(ra) ? Number(ra) : null
    return new ApiError({ ...p, status: res.status }, retryAfter)
  }

  // Refresh at most once at a time, across tabs too (Web Locks where the
  // browser has them): a refresh token is spent on use, and presenting a
  // spent one revokes the whole session family on the server.
  let inflight: Promise<RefreshResult> | null = null

  async function refreshNow(failedAccess: string): Promise<RefreshResult> {
    const cur = readTokens()
    if (!cur) return { ok: false, error: new ApiError({ status: 401 }), fatal: true }
    // Another request or tab rotated the pair meanwhile: use the new one.
    if (cur.access_token !== failedAccess) return { ok: true }
    let res: Response
    try {
      res = await fetch(API_BASE + '/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
        body: JSON.stringify({ refresh_token: cur.refresh_token }),
      })
    } catch {
      return { ok: false, error: new ApiError({ status: 0 }), fatal: false }
    }
    if (!res.ok) {
      const error = await parseError(res)
      const again = readTokens()
      if (again && again.refresh_token !== cur.refresh_token) return { ok: true }
      // 401/403: the session is over. Anything else (5xx, 429) is temporary.
      return { ok: false, error, fatal: res.status === 401 || res.status === 403 }
    }
    setTokens((await res.json()) as Tokens)
    return { ok: true }
  }

  function refresh(failedAccess: string): Promise<RefreshResult> {
    if (inflight) return inflight
    const run = () => refreshNow(failedAccess)
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
    const p = locks
      ? new Promise<RefreshResult>((resolve, reject) => {
          locks.request('zuju-refresh:' + key, () => run().then(resolve, reject)).catch(reject)
        })
      : run()
    const shared = p.finally(() => {
      inflight = null
    })
    inflight = shared
    return shared
  }

  function buildURL(path: string, query?: Query): string {
    let url = API_BASE + path
    if (query) {
      const qs = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined || v === null || v === '') continue
        qs.append(k, String(v))
      }
      const s = qs.toString()
      if (s) url += (url.includes('?') ? '&' : '?') + s
    }
    return url
  }

  function lost(err: ApiError) {
    clearTokens()
    cfg.onAuthLost?.(err)
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const useAuth = opts.auth !== false
    const fail = (err: ApiError): never => {
      if (!opts.quiet) cfg.onError?.(err)
      throw err
    }

    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        ...opts.headers,
        Accept: opts.file ? '*/*' : 'application/json, application/problem+json',
      }
      let body: BodyInit | undefined
      if (opts.form) {
        body = opts.form
      } else if (opts.body !== undefined) {
        headers['Content-Type'] = 'application/json'
        body = JSON.stringify(opts.body)
      }
      const tokens = useAuth ? readTokens() : null
      if (tokens) headers.Authorization = 'Bearer ' + tokens.access_token

      let res: Response
      try {
        res = await fetch(buildURL(path, opts.query), { method, headers, body, signal: opts.signal })
      } catch (e) {
        if (e instanceof DOMException && e.name === 'AbortError') throw e
        return fail(new ApiError({ status: 0 }))
      }

      if (res.status === 401 && useAuth) {
        if (tokens && attempt === 0) {
          const r = await refresh(tokens.access_token)
          if (r.ok) continue
          if (r.fatal) {
            lost(r.error)
            return fail(r.error)
          }
          return fail(r.error)
        }
        const err = await parseError(res)
        lost(err)
        return fail(err)
      }
      if (!res.ok) return fail(await parseError(res))
      if (opts.file) {
        const file: DownloadedFile = { blob: await res.blob(), filename: dispositionFilename(res.headers.get('Content-Disposition')) }
        return file as T
      }
      if (res.status === 204) return undefined as T
      const text = await res.text()
      return (text ? JSON.parse(text) : undefined) as T
    }
  }

  /** Ends the session on the server (best effort) and forgets the tokens. */
  async function logout(): Promise<void> {
    const t = readTokens()
    clearTokens()
    if (!t) return
    try {
      await fetch(API_BASE + '/auth/logout', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: t.refresh_token }),
      })
    } catch {
      // offline: the refresh token expires on its own
    }
  }

  return {
    request,
    get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
    post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
    put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, { ...opts, body }),
    patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, { ...opts, body }),
    del: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
    upload: <T>(path: string, form: FormData, opts?: RequestOptions) => request<T>('POST', path, { ...opts, form }),
    /** GETs a file with the bearer token (refreshed on 401 like any call); `fallbackName` when the server names none. */
    download: async (path: string, fallbackName: string, opts?: RequestOptions): Promise<DownloadedFile> => {
      const f = await request<DownloadedFile>('GET', path, { ...opts, file: true })
      return { blob: f.blob, filename: f.filename || fallbackName }
    },
    readTokens,
    setTokens,
    clearTokens,
    logout,
    storageKey: key,
  }
}

export type Client = ReturnType<typeof createClient>

/**
 * A fresh random key for an `Idempotency-Key` header: one per user intent
 * (a dialog opening, a purchase), so that a retried request is applied once.
 * `crypto.randomUUID` needs a secure context; `getRandomValues` does not.
 */
export function idempotencyKey(): string {
  const c = globalThis.crypto
  if (typeof c?.randomUUID === 'function') {
    try {
      return c.randomUUID()
    } catch {
      // insecure context: fall through
    }
  }
  const b = new Uint8Array(16)
  c.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}
