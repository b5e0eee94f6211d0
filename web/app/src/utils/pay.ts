import { showDialog, showToast } from 'vant'
import 'vant/es/dialog/style'
import { ApiError, api, toastError } from '../api'
import type { OrderStatus, PayChannel, WechatPayParams } from '../api'
import { router } from '../router'

// Paying an order (a paid sign-up's, a membership's) from the H5 app.
//
// In a normal browser the sandbox channel (development) opens the server's
// pay page, which comes back to the payment result route once paid. Inside
// WeChat (the mini program's web-view or the WeChat browser) with a payment
// bridge at hand the wechat channel is used; without a bridge, the sandbox.
// The result page polls the order: the server's word decides, never the
// redirect or the bridge's callback alone.

export const orderStatusLabels: Record<OrderStatus, string> = {
  pending: '待支付',
  paid: '已支付',
  closed: '已关闭',
  refunding: '退款中',
  refunded: '已退款',
  partially_refunded: '部分退款',
}

interface WeixinJSBridge {
  invoke(name: string, params: Record<string, string>, cb: (res: { err_msg?: string }) => void): void
}
interface WxRequestPayment {
  requestPayment(opts: WechatPayParams & { success: () => void; fail: (e: { errMsg?: string }) => void }): void
}
type PayWindow = Window & { WeixinJSBridge?: WeixinJSBridge; wx?: Partial<WxRequestPayment> }

/** Inside WeChat: the mini program's web-view or the WeChat browser. */
export function inWeChat(ua = navigator.userAgent): boolean {
  return /miniProgram|MicroMessenger/i.test(ua)
}

function bridge(): ((p: WechatPayParams) => Promise<'ok' | 'cancel' | 'fail'>) | null {
  const w = window as PayWindow
  if (typeof w.wx?.requestPayment === 'function') {
    const wx = w.wx as WxRequestPayment
    return (p) =>
      new Promise((resolve) =>
        wx.requestPayment({
          ...p,
          success: () => resolve('ok'),
          fail: (e) => resolve(/cancel/i.test(e?.errMsg ?? '') ? 'cancel' : 'fail'),
        }),
      )
  }
  if (w.WeixinJSBridge && typeof w.WeixinJSBridge.invoke === 'function') {
    const jsb = w.WeixinJSBridge
    return (p) =>
      new Promise((resolve) =>
        jsb.invoke('getBrandWCPayRequest', { ...p }, (res) => {
          const msg = res?.err_msg ?? ''
          resolve(msg.endsWith(':ok') ? 'ok' : msg.endsWith(':cancel') ? 'cancel' : 'fail')
        }),
      )
  }
  return null
}

export interface PayOptions {
  /** The activity a sign-up order is for: the result page links back to it. */
  activityId?: string
}

/** The app path of an order's payment result page. */
export function resultPath(orderNo: string, opts: PayOptions = {}): string {
  return router.resolve({
    name: 'payment-result',
    params: { no: orderNo },
    query: opts.activityId ? { activity: opts.activityId } : {},
  }).href
}

/** The sandbox pay page, coming back to `back` (a path of this site) once paid. */
export function sandboxURL(payURL: string, back: string): string {
  return payURL + (payURL.includes('?') ? '&' : '?') + 'return=' + encodeURIComponent(back)
}

const errorTitles: Record<string, string> = {
  'payment.channel_unavailable': '暂时无法支付',
  'payment.provider_unavailable': '支付服务暂不可用',
  'payment.wechat_not_bound': '请先绑定微信',
  'order.expired': '订单已过期',
  'order.bad_transition': '无法支付',
  'order.not_found': '订单不存在',
}

/**
 * Starts paying `orderNo`. Resolves to:
 * - 'away' when the browser is leaving for the pay page (keep the button busy);
 * - 'result' when the app went to the result page (WeChat bridge);
 * - 'cancelled' when the user closed WeChat's cashier;
 * - 'failed' when it could not start (the reason was shown; reload the state).
 */
export async function startPayment(orderNo: string, opts: PayOptions = {}): Promise<'away' | 'result' | 'cancelled' | 'failed'> {
  const pay = inWeChat() ? bridge() : null
  const channel: PayChannel = pay ? 'wechat' : 'sandbox'
  const back = resultPath(orderNo, opts)
  try {
    const res = await api.payOrder(orderNo, channel)
    if (pay && res.wechat) {
      const r = await pay(res.wechat)
      if (r === 'cancel') {
        showToast('已取消支付')
        return 'cancelled'
      }
      // 'ok' and 'fail' alike: the result page asks the server.
      await router.push(back)
      return 'result'
    }
    if (res.sandbox?.pay_url) {
      window.location.assign(sandboxURL(res.sandbox.pay_url, back))
      return 'away'
    }
    // Paid meanwhile (another tab): nothing to pay, show the result.
    if (res.order.status !== 'pending') {
      await router.push(back)
      return 'result'
    }
    showDialog({ title: '暂时无法支付', message: '该支付方式暂不可用，请稍后再试' })
    return 'failed'
  } catch (e) {
    if (e instanceof ApiError && errorTitles[e.code]) {
      showDialog({ title: errorTitles[e.code], message: e.detail })
    } else {
      toastError(e)
    }
    return 'failed'
  }
}
