// The browser's position for 附近 / 距离 (navigator.geolocation), with a
// Chinese reason when it cannot be had.

export interface Position {
  lat: number
  lng: number
}

/** Resolves the current position, or rejects with an Error whose message says why not (to show). */
export function locate(timeoutMs = 10_000): Promise<Position> {
  return new Promise((resolve, reject) => {
    if (typeof navigator === 'undefined' || !navigator.geolocation) {
      reject(new Error('当前浏览器不支持定位'))
      return
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }),
      (e) => {
        if (e.code === e.PERMISSION_DENIED) reject(new Error('无法获取位置：定位权限被拒绝，请在浏览器设置中允许本站使用位置信息'))
        else if (e.code === e.TIMEOUT) reject(new Error('定位超时，请稍后重试'))
        else reject(new Error('暂时无法获取位置，请稍后重试'))
      },
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 5 * 60_000 },
    )
  })
}

/** 850 m, 1.2 km, 12 km. */
export function formatDistance(km: number | null | undefined): string {
  if (km == null || Number.isNaN(km)) return ''
  if (km < 1) return `${Math.max(10, Math.round((km * 1000) / 10) * 10)} m`
  if (km < 10) return `${km.toFixed(1)} km`
  return `${Math.round(km)} km`
}

const LOCATION_KEY = 'zuju.app.location'
const LOCATION_MAX_AGE = 10 * 60_000

/** The last position found in this tab (10 minutes at most), so going back to 首页 does not ask again. */
export function cachedLocation(): Position | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(LOCATION_KEY) || 'null') as (Position & { at: number }) | null
    if (v && typeof v.lat === 'number' && typeof v.lng === 'number' && Date.now() - v.at < LOCATION_MAX_AGE) return { lat: v.lat, lng: v.lng }
  } catch {
    // no storage: ask again
  }
  return null
}

/** The cached position, else a fresh one (which is then cached). */
export async function currentLocation(): Promise<Position> {
  const c = cachedLocation()
  if (c) return c
  const p = await locate()
  try {
    sessionStorage.setItem(LOCATION_KEY, JSON.stringify({ ...p, at: Date.now() }))
  } catch {
    // not cached
  }
  return p
}
