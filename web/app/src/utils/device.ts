// A rough, friendly name for a session's User-Agent (登录设备). Only a hint
// for the user: user agents can say anything.

export type DeviceKind = 'phone' | 'tablet' | 'desktop' | 'other'

export interface Device {
  /** e.g. iPhone · 微信, Mac · Chrome, 华为 P60 · 华为浏览器 */
  name: string
  kind: DeviceKind
}

function os(ua: string): { name: string; kind: DeviceKind } | null {
  if (/iPhone/.test(ua)) return { name: 'iPhone', kind: 'phone' }
  if (/iPad/.test(ua)) return { name: 'iPad', kind: 'tablet' }
  if (/OpenHarmony|HarmonyOS/.test(ua)) return { name: '鸿蒙设备', kind: /Tablet|Pad/.test(ua) ? 'tablet' : 'phone' }
  const android = /Android[\s/]?[\d.]*;\s*([^;)]*?)(?:\s+Build\/[^;)]*)?[;)]/.exec(ua)
  if (/Android/.test(ua)) {
    const model = android?.[1]?.trim()
    const tablet = !/Mobile/.test(ua)
    const generic = !model || /^(?:[a-z]{2}[-_][a-z]{2}|K|wv|Linux|U)$/i.test(model)
    return { name: generic ? (tablet ? 'Android 平板' : 'Android 手机') : model, kind: tablet ? 'tablet' : 'phone' }
  }
  if (/Windows/.test(ua)) return { name: 'Windows 电脑', kind: 'desktop' }
  if (/Macintosh|Mac OS X/.test(ua)) return { name: 'Mac', kind: 'desktop' }
  if (/CrOS/.test(ua)) return { name: 'Chromebook', kind: 'desktop' }
  if (/Linux|X11/.test(ua)) return { name: 'Linux 电脑', kind: 'desktop' }
  return null
}

function app(ua: string): string {
  if (/miniProgram|MiniProgramEnv/i.test(ua)) return '微信小程序'
  if (/MicroMessenger/.test(ua)) return '微信'
  if (/DingTalk/.test(ua)) return '钉钉'
  if (/\bQQ\//.test(ua)) return 'QQ'
  if (/Edg(?:e|A|iOS)?\//.test(ua)) return 'Edge'
  if (/OPR\/|Opera/.test(ua)) return 'Opera'
  if (/QQBrowser/.test(ua)) return 'QQ 浏览器'
  if (/UCBrowser/.test(ua)) return 'UC 浏览器'
  if (/HuaweiBrowser/.test(ua)) return '华为浏览器'
  if (/MiuiBrowser|XiaoMi/.test(ua)) return '小米浏览器'
  if (/Quark/.test(ua)) return '夸克'
  if (/Baidu/.test(ua)) return '百度'
  if (/Firefox|FxiOS/.test(ua)) return 'Firefox'
  if (/Chrome|CriOS|Chromium/.test(ua)) return 'Chrome'
  if (/Safari/.test(ua)) return 'Safari'
  return ''
}

export function parseDevice(ua: string | null | undefined): Device {
  const s = (ua ?? '').trim()
  if (!s) return { name: '未知设备', kind: 'other' }
  const o = os(s)
  const a = app(s)
  if (!o && !a) {
    // Programs rather than browsers: curl/8.5, okhttp/4, Go-http-client/1.1
    const prog = /^([A-Za-z][\w.-]{0,30})\//.exec(s)?.[1]
    return { name: prog && prog !== 'Mozilla' ? prog : '未知设备', kind: 'other' }
  }
  return { name: [o?.name, a].filter(Boolean).join(' · '), kind: o?.kind ?? 'other' }
}
