import { onBeforeUnmount, ref } from 'vue'
import type { Ref } from 'vue'

// The browser's Shape Detection API (Chromium on Android, desktop Chrome on
// some platforms); not in TypeScript's DOM library yet.
interface DetectedBarcode {
  rawValue: string
  format: string
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>
}
interface BarcodeDetectorCtor {
  new (opts?: { formats: string[] }): BarcodeDetectorLike
  getSupportedFormats?: () => Promise<string[]>
}

function detectorCtor(): BarcodeDetectorCtor | null {
  const g = globalThis as unknown as { BarcodeDetector?: BarcodeDetectorCtor }
  return typeof g.BarcodeDetector === 'function' ? g.BarcodeDetector : null
}

/** Whether this browser can scan QR codes with the camera at all. */
export async function canScanQr(): Promise<boolean> {
  const Ctor = detectorCtor()
  if (!Ctor || !navigator.mediaDevices?.getUserMedia) return false
  try {
    const formats = Ctor.getSupportedFormats ? await Ctor.getSupportedFormats() : ['qr_code']
    return formats.includes('qr_code')
  } catch {
    return false
  }
}

/**
 * Scans QR codes from the rear camera into `video` with BarcodeDetector,
 * calling `onCode` for each code read (the same code again only after 3 s,
 * so one participant held in front of the camera is checked in once).
 * `error` says in Chinese why the camera could not be used.
 */
export function useQrScanner(video: Ref<HTMLVideoElement | null>, onCode: (code: string) => void) {
  const scanning = ref(false)
  const starting = ref(false)
  const error = ref('')
  let stream: MediaStream | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let last = { code: '', at: 0 }
  let paused = false

  async function start() {
    if (scanning.value || starting.value) return
    error.value = ''
    const Ctor = detectorCtor()
    if (!Ctor || !navigator.mediaDevices?.getUserMedia) {
      error.value = '当前浏览器不支持扫码，请手动输入签到码'
      return
    }
    starting.value = true
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
    } catch (e) {
      starting.value = false
      const name = e instanceof DOMException ? e.name : ''
      error.value =
        name === 'NotAllowedError' || name === 'SecurityError'
          ? '没有摄像头权限：请在浏览器设置中允许本站使用摄像头，或手动输入签到码'
          : name === 'NotFoundError' || name === 'OverconstrainedError'
            ? '没有找到可用的摄像头，请手动输入签到码'
            : '摄像头打开失败，请手动输入签到码'
      return
    }
    const el = video.value
    if (!el) {
      stop()
      starting.value = false
      return
    }
    el.srcObject = stream
    el.setAttribute('playsinline', '')
    el.muted = true
    try {
      await el.play()
    } catch {
      // autoplay refused: the frames still arrive once the user taps
    }
    starting.value = false
    scanning.value = true
    const detector = new Ctor({ formats: ['qr_code'] })
    const tick = async () => {
      if (!scanning.value) return
      if (!paused && el.readyState >= 2) {
        try {
          const found = await detector.detect(el)
          const code = found.find((b) => b.rawValue)?.rawValue.trim()
          const now = Date.now()
          if (code && (code !== last.code || now - last.at > 3000)) {
            last = { code, at: now }
            onCode(code)
          }
        } catch {
          // a frame that could not be read; try the next one
        }
      }
      timer = setTimeout(tick, 250)
    }
    void tick()
  }

  function stop() {
    scanning.value = false
    clearTimeout(timer)
    stream?.getTracks().forEach((t) => t.stop())
    stream = null
    if (video.value) video.value.srcObject = null
  }

  /** Holds detection (while a code is being checked). */
  function pause(on: boolean) {
    paused = on
  }

  onBeforeUnmount(stop)
  return { scanning, starting, error, start, stop, pause }
}
