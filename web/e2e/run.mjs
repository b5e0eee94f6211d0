// Browser tests of the H5 app (/) and the admin console (/admin/) against a
// running `zuju serve` that had `zuju seed --demo` run (run.sh sets one up).
//
//   ZUJU_E2E_URL   base URL of the server (required), e.g. http://127.0.0.1:18181
//   ZUJU_E2E_LOG   the server's stderr log file: SMS codes are read from its
//                  "dev_code" fields (development SMS provider)
//   CHROMIUM       Chromium binary (default /usr/bin/chromium); never downloaded
//   ZUJU_E2E_DEMO_PASSWORD  password of the demo accounts (default zuju2026demo)
//
//   node run.mjs [name filter…]   runs the tests whose name contains a filter
//
// Each test gets a fresh browser context. A test fails on an assertion, on a
// JS error or CSP violation in a page, on a request that fails at the
// network level, or on a 5xx answer. Screenshots go to out/ (step shots of
// every run, and FAILED-*.png of the page that failed).

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const OUT = path.join(here, 'out')
const BASE = (process.env.ZUJU_E2E_URL || '').replace(/\/+$/, '')
const LOG = process.env.ZUJU_E2E_LOG || ''
const PASSWORD = process.env.ZUJU_E2E_DEMO_PASSWORD || 'zuju2026demo'
const TEST_TIMEOUT = 60_000

if (!BASE) {
  console.error('e2e: set ZUJU_E2E_URL to the base URL of a running `zuju serve` (or use run.sh)')
  process.exit(2)
}

// ---------------------------------------------------------------- helpers

const MOBILE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  // A phone browser, so that 登录设备 has something to name.
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
}
const DESKTOP = {
  viewport: { width: 1440, height: 900 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

/** A mainland mobile number nobody has used on this server yet (1 in 10^8 odds). */
function newPhone() {
  return '139' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0')
}

function mask(phone) {
  return phone.slice(0, 3) + '****' + phone.slice(7)
}

function logSize() {
  if (!LOG) throw new Error('ZUJU_E2E_LOG is not set: SMS codes cannot be read (use run.sh)')
  return fs.statSync(LOG).size
}

/** The last SMS code logged for phone after byte offset `since` of the server log. */
async function smsCode(phone, since) {
  const want = mask(phone)
  const deadline = Date.now() + 5000
  for (;;) {
    const fd = fs.openSync(LOG, 'r')
    let text = ''
    try {
      const size = fs.fstatSync(fd).size
      const buf = Buffer.alloc(Math.max(0, size - since))
      fs.readSync(fd, buf, 0, buf.length, since)
      text = buf.toString('utf8')
    } finally {
      fs.closeSync(fd)
    }
    let code = ''
    for (const line of text.split('\n')) {
      if (!line.includes('"dev_code"')) continue
      try {
        const rec = JSON.parse(line)
        if (rec.phone === want && /^\d{6}$/.test(rec.dev_code)) code = rec.dev_code
      } catch {
        // not a JSON line
      }
    }
    if (code) return code
    if (Date.now() > deadline) throw new Error(`no "dev_code" for ${want} in the server log`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function api(method, p, body, headers = {}) {
  const res = await fetch(BASE + '/api/v1' + p, {
    method,
    headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  let json = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    // not JSON
  }
  return { status: res.status, json }
}

/** A small valid PNG (an orange gradient) for image uploads. */
function pngImage(width = 64, height = 36) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, sum])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1)
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = 255
      raw[row + 2 + x * 3] = 107 + Math.round((x / width) * 80)
      raw[row + 3 + x * 3] = 53
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

let shotNo = 0
/** A step screenshot for looking at the layout: transitions finished, transient toasts hidden. */
async function shot(page, name) {
  shotNo++
  await page.screenshot({
    path: path.join(OUT, `${String(shotNo).padStart(2, '0')}-${name}.png`),
    animations: 'disabled',
    style: '.van-toast, .el-message { visibility: hidden !important; }',
  })
}

// ------------------------------------------------------------- the runner

const tests = []
function test(name, fn) {
  tests.push({ name, fn })
}

/** Opens a context and page that record what goes wrong in the browser. */
function harness(browser) {
  const pages = []
  const contexts = []
  const fatal = [] // fails the test
  const notes = [] // reported only

  async function newPage(opts) {
    const context = await browser.newContext({ baseURL: BASE, ...opts })
    context.setDefaultTimeout(10_000)
    context.setDefaultNavigationTimeout(15_000)
    contexts.push(context)
    // CSP violations reach the console too, but say so explicitly.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`)
      })
    })
    const page = await context.newPage()
    pages.push(page)
    page.on('pageerror', (err) => fatal.push(`JS error: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return
      const text = msg.text()
      // The browser logs every 4xx answer; the tests provoke some on purpose
      // (wrong code, taken phone, no staff role). 5xx fails below.
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) {
        notes.push(`console: ${text} (${msg.location().url})`)
        return
      }
      fatal.push(`console error: ${text}`)
    })
    page.on('requestfailed', (req) => {
      const url = req.url()
      if (/\/favicon\.ico$/.test(url)) return
      const why = req.failure()?.errorText ?? ''
      // Requests cut short by a navigation are not failures of the app.
      if (why === 'net::ERR_ABORTED') {
        notes.push(`aborted: ${req.method()} ${url}`)
        return
      }
      fatal.push(`request failed: ${req.method()} ${url} ${why}`)
    })
    page.on('response', (res) => {
      if (/\/favicon\.ico$/.test(res.url())) return
      if (res.status() >= 500) fatal.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`)
      else if (res.status() >= 400) notes.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`)
    })
    return page
  }

  return {
    newPage,
    pages,
    fatal,
    notes,
    close: () => Promise.all(contexts.map((c) => c.close().catch(() => {}))),
  }
}

// Stopped from outside (run.sh's trap, Ctrl-C): close the browser and stop.
let running = null
let stopping = false
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(sig, () => {
    stopping = true
    console.log(`e2e: ${sig}, stopping`)
    const closed = running ? running.close().catch(() => {}) : Promise.resolve()
    Promise.race([closed, new Promise((r) => setTimeout(r, 3000))]).then(() => process.exit(code))
  })
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true })
  for (const f of fs.readdirSync(OUT)) if (f.endsWith('.png')) fs.rmSync(path.join(OUT, f))

  const filters = process.argv.slice(2)
  const chosen = tests.filter((t) => !filters.length || filters.some((f) => t.name.includes(f)))
  const started = Date.now()
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Playwright starts the browser with a fresh temporary user-data-dir
    // and removes it on close.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  running = browser
  console.log(`e2e: ${BASE}, ${browser.version()}`)

  let failed = 0
  for (const t of chosen) {
    const h = harness(browser)
    const t0 = Date.now()
    let error = null
    let timer
    try {
      await Promise.race([
        t.fn(h),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT / 1000} s`)), TEST_TIMEOUT)
        }),
      ])
      // Let late errors (a toast's request, a lazy chunk) arrive.
      await new Promise((r) => setTimeout(r, 100))
      if (h.fatal.length) error = new Error('problems in the browser:\n    ' + h.fatal.join('\n    '))
    } catch (e) {
      error = e
      if (h.fatal.length) error.message += '\n  also in the browser:\n    ' + h.fatal.join('\n    ')
    } finally {
      clearTimeout(timer)
    }
    if (stopping) await new Promise(() => {}) // the signal handler exits
    const secs = ((Date.now() - t0) / 1000).toFixed(1)
    if (error) {
      failed++
      const slug = t.name.replace(/[^\w\u4e00-\u9fff-]+/g, '_')
      for (const [i, page] of h.pages.entries()) {
        const file = path.join(OUT, `FAILED-${slug}-${i + 1}.png`)
        await page.screenshot({ path: file, fullPage: true }).catch(() => {})
        console.log(`    screenshot: ${path.relative(process.cwd(), file)} (${page.url()})`)
      }
      console.log(`✗ ${t.name} (${secs} s)\n  ${error.stack || error.message}`)
    } else {
      console.log(`✓ ${t.name} (${secs} s)`)
    }
    if (h.notes.length && (error || process.env.ZUJU_E2E_VERBOSE)) console.log('  notes:\n    ' + h.notes.join('\n    '))
    await h.close()
  }
  await browser.close()
  const total = ((Date.now() - started) / 1000).toFixed(1)
  console.log(`e2e: ${chosen.length - failed} passed, ${failed} failed in ${total} s; screenshots in ${path.relative(process.cwd(), OUT) || '.'}`)
  process.exitCode = failed ? 1 : 0
}

// --------------------------------------------------------------- H5 app

/** Clicks 获取验证码 next to the phone field and returns the code from the server log. */
async function requestCode(page, phone) {
  const since = logSize()
  await page.getByRole('button', { name: '获取验证码' }).click()
  await page.getByText('验证码已发送').waitFor()
  await page.getByRole('button', { name: /^\d+ 秒后重发$/ }).waitFor()
  return smsCode(phone, since)
}

async function confirmDialog(page, button) {
  const dialog = page.locator('.van-dialog')
  await dialog.waitFor()
  await dialog.getByRole('button', { name: button, exact: true }).click()
  await dialog.waitFor({ state: 'hidden' })
}

test('H5：验证码登录、编辑资料、兴趣标签、登录设备、退出', async (h) => {
  const page = await h.newPage(MOBILE)
  const phone = newPhone()

  await page.goto('/')
  await page.getByText('找到同好，线下组局').waitFor()
  await shot(page, 'h5-home')
  await page.getByRole('button', { name: '登录 / 注册' }).click()
  await page.waitForURL('**/login')
  assert.equal(await page.getByRole('tab', { name: '验证码登录' }).getAttribute('aria-selected'), 'true')

  await page.getByPlaceholder('请输入手机号').fill(phone)
  const code = await requestCode(page, phone)
  await page.getByPlaceholder('6 位数字').fill(code)
  await shot(page, 'h5-login-sms')
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await page.waitForURL('**/me')
  await page.locator('.nickname', { hasText: '用户' + phone.slice(-4) }).waitFor()
  await page.getByText(mask(phone)).first().waitFor()

  // 编辑资料: new nickname.
  const nick = 'E2E 测试' + phone.slice(-3)
  await page.getByText('编辑资料', { exact: true }).click()
  await page.waitForURL('**/me/edit')
  const nickField = page.getByPlaceholder('1–20 个字符')
  await nickField.fill(nick)
  await page.getByPlaceholder('例如：北京').fill('上海')
  await shot(page, 'h5-profile-edit')
  await page.getByRole('button', { name: '保存' }).click()
  await page.getByText('已保存').waitFor()
  await page.waitForURL('**/me')
  await page.locator('.nickname', { hasText: nick }).waitFor()

  // 兴趣标签: pick three.
  await page.getByText('还没有选择兴趣标签，去选择').click()
  await page.waitForURL('**/me/tags')
  const picks = ['篮球', '读书', '咖啡']
  for (const name of picks) {
    const chip = page.getByRole('button', { name, exact: true })
    await chip.click()
    assert.equal(await chip.getAttribute('aria-pressed'), 'true', `chip ${name} selected`)
  }
  await page.getByText('3', { exact: true }).waitFor()
  await shot(page, 'h5-tags')
  await page.getByRole('button', { name: '保存' }).click()
  await page.waitForURL('**/me')
  const tagCell = page.locator('.tags')
  for (const name of picks) await tagCell.getByText(name, { exact: true }).waitFor()
  await page.getByText('3 个').waitFor()
  await shot(page, 'h5-me')

  // 登录设备: a loading state while the list is on its way…
  let release
  const gate = new Promise((r) => (release = r))
  await page.route('**/api/v1/me/sessions', async (route) => {
    await gate
    await route.continue()
  })
  await page.getByText('登录设备', { exact: true }).click()
  await page.waitForURL('**/me/sessions')
  await page.locator('.sessions [aria-busy="true"] .van-skeleton').first().waitFor()
  await shot(page, 'h5-sessions-loading')
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/sessions'))
  release()
  await answered
  await page.unroute('**/api/v1/me/sessions')
  // …then this browser, marked 本机.
  const current = page.locator('.device', { hasText: '本机' })
  await current.waitFor()
  await current.getByText('Pixel 8 · Chrome').waitFor()
  assert.equal(await current.getByRole('button', { name: '退出' }).count(), 0, 'no 退出 for this device')
  await page.getByText('只有本机登录了你的账号').waitFor()
  await shot(page, 'h5-sessions')

  // An empty answer (not possible for a signed-in caller, but handled).
  await page.route('**/api/v1/me/sessions', (route) => route.fulfill({ json: { items: [] } }))
  await page.reload()
  await page.getByText('暂无登录中的设备').waitFor()
  await shot(page, 'h5-sessions-empty')
  await page.unroute('**/api/v1/me/sessions')

  // 退出登录.
  await page.locator('.van-nav-bar__left').click()
  await page.waitForURL('**/me')
  await page.getByRole('button', { name: '退出登录' }).click()
  await confirmDialog(page, '退出')
  await page.waitForURL('**/login')
  await page.getByText('已退出登录').waitFor()
  assert.equal(await page.evaluate(() => localStorage.getItem('zuju.app.tokens')), null, 'tokens dropped')
  await page.goto('/me')
  await page.waitForURL(/\/login\?redirect=/)
})

test('H5：手机号注册（短信验证码）并退出其他设备', async (h) => {
  const page = await h.newPage(MOBILE)
  const phone = newPhone()
  const password = 'e2eTest' + phone.slice(-4)

  await page.goto('/login')
  await page.getByRole('link', { name: '注册' }).click()
  await page.waitForURL('**/register')
  await page.getByPlaceholder('手机号或邮箱').fill(phone)
  const code = await requestCode(page, phone)
  await page.getByPlaceholder('1–20 个字符').fill('新朋友' + phone.slice(-2))
  await page.getByPlaceholder('至少 8 位，含字母和数字').fill(password)
  await page.getByPlaceholder('再次输入密码').fill(password)

  // A wrong code is refused with the server's message.
  const wrong = String((Number(code[0]) + 1) % 10) + code.slice(1)
  await page.getByPlaceholder('6 位数字').fill(wrong)
  await page.getByRole('button', { name: '注册', exact: true }).click()
  await page.getByText('验证码错误或已过期').waitFor()
  assert.match(page.url(), /\/register$/)

  await page.getByPlaceholder('6 位数字').fill(code)
  await shot(page, 'h5-register-phone')
  await page.getByRole('button', { name: '注册', exact: true }).click()
  await page.waitForURL('**/me/tags?welcome=1')
  await page.getByText('选择你感兴趣的内容').waitFor()
  await page.getByText('跳过').click()
  await page.waitForURL('**/me')
  await page.locator('.nickname', { hasText: '新朋友' + phone.slice(-2) }).waitFor()

  // The same account on another device (the WeChat browser on an iPhone).
  const other = await api('POST', '/auth/login', { account: phone, password }, {
    'User-Agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI Language/zh_CN',
  })
  assert.equal(other.status, 200, 'password login of the new account')

  await page.getByText('登录设备', { exact: true }).click()
  await page.waitForURL('**/me/sessions')
  await page.locator('.device', { hasText: '本机' }).waitFor()
  const row = page.locator('.device', { hasText: 'iPhone · 微信' })
  await row.waitFor()
  assert.equal(await page.locator('.device').count(), 2)
  await shot(page, 'h5-sessions-two')
  await row.getByRole('button', { name: '退出' }).click()
  await page.locator('.van-dialog').getByText('iPhone · 微信').waitFor()
  await shot(page, 'h5-sessions-confirm')
  await confirmDialog(page, '退出')
  await page.getByText('已退出该设备').waitFor()
  await row.waitFor({ state: 'detached' })
  await page.getByText('只有本机登录了你的账号').waitFor()

  // That device's session is over; this one still works.
  const refreshed = await api('POST', '/auth/refresh', { refresh_token: other.json.refresh_token })
  assert.equal(refreshed.status, 401, 'ended session cannot refresh')
  await page.reload()
  await page.locator('.device', { hasText: '本机' }).waitFor()
})

test('H5：邮箱注册（无需验证码）后绑定手机号', async (h) => {
  const page = await h.newPage(MOBILE)
  const email = `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`
  const password = 'e2eMail2026'

  await page.goto('/register')
  await page.getByPlaceholder('手机号或邮箱').fill(email)
  assert.equal(await page.getByPlaceholder('6 位数字').count(), 0, 'no code field for an email')
  await page.getByPlaceholder('1–20 个字符').fill('邮箱用户')
  await page.getByPlaceholder('至少 8 位，含字母和数字').fill(password)
  await page.getByPlaceholder('再次输入密码').fill(password)
  await page.getByRole('button', { name: '注册', exact: true }).click()
  await page.waitForURL('**/me/tags?welcome=1')
  await page.getByText('跳过').click()
  await page.waitForURL('**/me')

  const bindCell = page.locator('.van-cell', { hasText: '绑定手机号' })
  await bindCell.getByText('未绑定').waitFor()
  await shot(page, 'h5-me-unbound')
  await bindCell.click()
  await page.waitForURL('**/me/phone')

  // A phone that belongs to another account (a demo user) is refused.
  const phoneField = page.getByPlaceholder('请输入手机号')
  await phoneField.fill('13800000001')
  let code = await requestCode(page, '13800000001')
  await page.getByPlaceholder('6 位数字').fill(code)
  await page.getByRole('button', { name: '绑定', exact: true }).click()
  await page.getByText('该手机号已绑定其他账号').waitFor()
  await shot(page, 'h5-bind-taken')

  // A new number has its own cooldown: 获取验证码 is offered again.
  const phone = newPhone()
  await phoneField.fill(phone)
  code = await requestCode(page, phone)
  await page.getByPlaceholder('6 位数字').fill(code)
  await page.getByRole('button', { name: '绑定', exact: true }).click()
  await page.getByText('绑定成功').waitFor()
  await page.waitForURL('**/me')
  await page.locator('.van-cell', { hasText: '手机号' }).getByText(mask(phone)).waitFor()
  assert.equal(await page.getByText('绑定手机号').count(), 0)
  await shot(page, 'h5-me-bound')

  // The bound phone now signs in to this account.
  const login = await api('POST', '/auth/login', { account: phone, password })
  assert.equal(login.status, 200)
  assert.equal(login.json.user.nickname, '邮箱用户')
})

// ---------------------------------------------------------- admin console

/** Password login in the H5 app, landing on 我的. */
async function h5PasswordLogin(page, account, password) {
  await page.goto('/login')
  await page.getByRole('tab', { name: '密码登录' }).click()
  await page.getByPlaceholder('手机号或邮箱').fill(account)
  await page.getByPlaceholder('请输入密码').fill(password)
  await page.getByRole('button', { name: '登录', exact: true }).filter({ visible: true }).click()
  await page.waitForURL('**/me')
}

const isDetail = (u) => /^\/activities\/(?!new$)[^/]+$/.test(u.pathname)

/** A made-up Chinese word (3 characters), unlikely to occur in any other title. */
function chineseWord() {
  const pool = '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥'
  return Array.from({ length: 3 }, () => pool[Math.floor(Math.random() * pool.length)]).join('')
}

test('H5：组织者发起并发布活动，新用户在首页搜索找到并报名、取消', async (h) => {
  const word = chineseWord()
  const title = `E2E 周末飞盘局·${word}`
  const city = '舟山'
  const address = '普陀区 E2E 体育公园 3 号草坪'

  // The demo organizer creates and publishes an activity.
  const org = await h.newPage(MOBILE)
  await h5PasswordLogin(org, '13800000001', PASSWORD)
  await org.getByText('我发起的活动', { exact: true }).waitFor()
  await org.getByText('发起活动', { exact: true }).click()
  await org.waitForURL('**/activities/new')
  // Checked before sending.
  await org.getByRole('button', { name: '发布活动' }).click()
  await org.getByText('请填写活动标题（1–60 字）').waitFor()
  await org.getByText('请选择活动类型').waitFor()
  await org.getByPlaceholder('例如：周六奥森 10 公里晨跑').fill(title)
  await org.getByPlaceholder('选择活动类型').click()
  const picker = org.locator('.van-picker')
  await picker.locator('.van-picker-column__item').first().waitFor()
  await picker.getByRole('button', { name: '确认' }).click()
  await picker.waitFor({ state: 'hidden' })
  assert.notEqual(await org.getByPlaceholder('选择活动类型').inputValue(), '')
  await org.getByPlaceholder('例如：北京').fill(city)
  await org.getByPlaceholder('详细地址，报名成功后可见').fill(address)
  await org.getByPlaceholder('0 表示免费').fill('0')
  await org.getByPlaceholder('介绍一下活动内容、集合方式、需要准备什么').fill('自带水和运动鞋，新手友好。')
  // A cover (uploaded once the activity exists) and two interest tags.
  await org.locator('.cover-field input[type="file"]').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: pngImage() })
  await org.locator('.cover-field .cover-preview img').waitFor()
  for (const name of ['飞盘', '跑步']) await org.locator('.chips').getByRole('button', { name, exact: true }).click()
  await shot(org, 'h5-activity-create')
  await org.getByRole('button', { name: '发布活动' }).click()
  await org.waitForURL(isDetail)
  await org.locator('.hero').getByText('报名中').waitFor()
  await org.locator('.hero .interest').getByText('#飞盘').waitFor()
  await org.locator('.hero .interest').getByText('#跑步').waitFor()
  const cover = org.locator('.cover img')
  await cover.waitFor()
  assert.match(await cover.getAttribute('src'), /^\/files\//, 'the cover is served by the server')
  assert.ok(await cover.evaluate((img) => img.complete && img.naturalWidth === 64), 'the cover image loads')
  await org.getByText(address).waitFor()
  await org.getByText('报名名单').first().waitFor()
  await shot(org, 'h5-activity-organizer')

  // A new user finds it on 首页.
  const page = await h.newPage(MOBILE)
  const phone = newPhone()
  await page.goto('/login')
  await page.getByPlaceholder('请输入手机号').fill(phone)
  await page.getByPlaceholder('6 位数字').fill(await requestCode(page, phone))
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await page.waitForURL('**/me')
  await page.getByText('我的报名', { exact: true }).waitFor()
  assert.equal(await page.getByText('发起活动', { exact: true }).count(), 0, 'plain users cannot create activities')
  await page.locator('.van-tabbar-item', { hasText: '首页' }).click()
  await page.waitForURL((u) => u.pathname === '/')
  await page.locator('.card').first().waitFor()
  // Keyword search by a Chinese word of the title.
  const search = page.getByPlaceholder('搜索活动，如 篮球、剧本杀')
  await search.fill(word)
  await search.press('Enter')
  await page.waitForURL((u) => u.searchParams.get('q') === word)
  const card = page.locator('.card', { hasText: title })
  await card.waitFor()
  assert.equal(await page.locator('.card').count(), 1, 'only the activity with that word')
  // The filter sheet narrows by city too, kept in the URL with the keyword.
  await page.getByRole('button', { name: '筛选' }).click()
  const sheet = page.locator('.filter-sheet')
  await sheet.getByPlaceholder('输入城市，如 上海').fill(city)
  await sheet.getByRole('button', { name: '查看结果' }).click()
  await page.waitForURL((u) => u.searchParams.get('city') === city && u.searchParams.get('q') === word)
  await page.locator('.chips-row .chip', { hasText: city }).waitFor()
  await card.waitFor()
  // A word that matches nothing: the empty state.
  await search.fill(word + '无此活动')
  await search.press('Enter')
  await page.getByText(`没有找到与“${word}无此活动”相关的活动`).waitFor()
  await shot(page, 'h5-home-search-empty')
  await search.fill(word)
  await search.press('Enter')
  await card.getByText('免费').waitFor()
  await card.getByText('已报名 0/10').waitFor()
  await shot(page, 'h5-home-activities')

  // Details: the address and the contact are locked until signing up.
  await card.click()
  await page.waitForURL(isDetail)
  await page.locator('[data-lock="participant"]').getByText('报名成功后可见详细地址与联系方式').waitFor()
  await page.getByText('详细地址报名后可见').waitFor()
  await page.getByText('联系方式报名后可见').waitFor()
  assert.equal(await page.getByText(address).count(), 0, 'the address is hidden from outsiders')
  await shot(page, 'h5-activity-locked')
  await page.getByRole('button', { name: '立即报名' }).click()
  await page.locator('.mine', { hasText: '已报名' }).waitFor()
  await page.getByText(address).waitFor()
  // Unlocked: the organizer's phone as a tel: link, and the participants.
  await page.locator('a[href="tel:13800000001"]').waitFor()
  await page.locator('.people').getByText('用户' + phone.slice(-4)).waitFor()
  assert.equal(await page.locator('[data-lock="participant"]').count(), 0, 'no lock hint once signed up')
  await page.getByText('已报名 1 / 10', { exact: false }).waitFor()
  await page.getByRole('button', { name: '取消报名' }).waitFor()
  await shot(page, 'h5-activity-signed-up')

  // The organizer sees the participant in 报名名单.
  await org.reload()
  await org.getByRole('button', { name: '报名名单（1）' }).click()
  await org.waitForURL('**/signups')
  await org.locator('.roster .person', { hasText: '用户' + phone.slice(-4) }).getByText('已报名').waitFor()
  await shot(org, 'h5-activity-roster')

  // 我的报名 lists it.
  await page.goto('/me/signups')
  const mine = page.locator('.card', { hasText: title })
  await mine.locator('.signup', { hasText: '已报名' }).waitFor()
  await mine.click()
  await page.waitForURL(isDetail)

  // Cancel with a confirmation.
  await page.getByRole('button', { name: '取消报名' }).click()
  await confirmDialog(page, '取消报名')
  await page.getByText('已取消报名', { exact: true }).waitFor()
  await page.getByRole('button', { name: '重新报名' }).waitFor()
  await page.locator('.mine[data-status="cancelled"]').getByText('你已取消报名').waitFor()
  await page.getByText('详细地址报名后可见').waitFor()
  assert.equal(await page.getByText(address).count(), 0, 'the address is hidden again')
})

/** A demo organizer's access token (password login through the API). */
async function organizerToken() {
  const login = await api('POST', '/auth/login', { account: '13800000001', password: PASSWORD })
  assert.equal(login.status, 200, 'organizer login')
  return login.json.access_token
}

/** Creates and publishes an activity as the demo organizer through the API. */
async function publishedActivity(token, fields) {
  const auth = { Authorization: 'Bearer ' + token }
  const types = await api('GET', '/activity-types')
  const now = Date.now()
  const iso = (ms) => new Date(ms).toISOString()
  const body = {
    type_id: types.json.items[0].id,
    city: '宁波',
    address: 'E2E 体育馆 2 号场',
    start_at: iso(now + 3 * 24 * 3600_000),
    end_at: iso(now + 3 * 24 * 3600_000 + 2 * 3600_000),
    signup_deadline: iso(now + 2 * 24 * 3600_000),
    min_participants: 2,
    max_participants: 10,
    price_fen: 0,
    description: 'E2E 测试活动',
    ...fields,
  }
  const created = await api('POST', '/activities', body, auth)
  assert.equal(created.status, 201, 'create activity: ' + JSON.stringify(created.json))
  const published = await api('POST', `/activities/${created.json.id}/publish`, undefined, auth)
  assert.equal(published.status, 200, 'publish activity: ' + JSON.stringify(published.json))
  return published.json
}

test('H5：报名后出示签到二维码，组织者输入签到码签到并导出名单', async (h) => {
  // Check-in is open from 2 h before the start of a formed activity: this
  // one starts within the hour and forms with its first participant.
  const now = Date.now()
  const title = `E2E 签到羽毛球 ${Math.floor(Math.random() * 1e4)}`
  const a = await publishedActivity(await organizerToken(), {
    title,
    start_at: new Date(now + 60 * 60_000).toISOString(),
    end_at: new Date(now + 3 * 3600_000).toISOString(),
    signup_deadline: new Date(now + 30 * 60_000).toISOString(),
    min_participants: 1,
    max_participants: 5,
  })

  // A demo user signs up and gets the QR code of their check-in code.
  const page = await h.newPage(MOBILE)
  await h5PasswordLogin(page, '13800000002', PASSWORD)
  await page.goto('/activities/' + a.id)
  await page.getByRole('button', { name: '立即报名' }).click()
  const mine = page.locator('.mine[data-status="confirmed"]')
  await mine.getByText('到场后向组织者出示签到二维码').waitFor()
  const qr = mine.locator('figure.qr')
  await qr.locator('canvas').waitFor()
  const code = await qr.getAttribute('data-code')
  assert.match(code, /^ZJ1\.[^.]+\.[\w-]+$/, 'the signed check-in payload')
  await qr.getByText(code).waitFor()
  // The QR is drawn on the canvas (dark modules on white), not left blank.
  const dark = await qr.locator('canvas').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    let n = 0
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++
    return n / (d.length / 4)
  })
  assert.ok(dark > 0.2 && dark < 0.8, `QR canvas has dark modules (${dark.toFixed(2)})`)
  await page.locator('.hero').getByText('已成局').waitFor()
  await shot(page, 'h5-activity-qr')

  // 我的报名 shows the same code.
  await page.goto('/me/signups')
  await page.locator('.card', { hasText: title }).getByRole('button', { name: '签到码' }).click()
  const popup = page.locator('.qr-popup')
  await popup.getByText('到场后向组织者出示，扫码即可签到').waitFor()
  assert.equal(await popup.locator('figure.qr').getAttribute('data-code'), code)
  await shot(page, 'h5-my-signups-qr')

  // The organizer opens 签到 and enters codes by hand.
  const org = await h.newPage(MOBILE)
  await h5PasswordLogin(org, '13800000001', PASSWORD)
  await org.goto('/activities/' + a.id)
  await org.locator('.actions').getByRole('button', { name: '签到' }).click()
  await org.waitForURL('**/check-in')
  await org.locator('.summary').getByText(title).waitFor()
  // Headless Chromium has no camera: scanning is offered only where it works.
  const field = org.getByPlaceholder('粘贴或输入签到码')
  const result = org.locator('.result')

  await field.fill(code.slice(0, -4) + 'AAAA')
  await org.getByRole('button', { name: '签到', exact: true }).click()
  await result.locator('.r-title', { hasText: '无效签到码' }).waitFor()
  await result.getByText('签到码无效').waitFor()

  await field.fill(code)
  await org.getByRole('button', { name: '签到', exact: true }).click()
  await org.locator('.result[data-ok="true"]').getByText('签到成功').waitFor()
  await result.getByText('爱读书的小王').waitFor()
  await result.getByText('已签到').waitFor()
  assert.equal(await field.inputValue(), '', 'the field is cleared for the next code')
  await shot(org, 'h5-check-in-ok')

  await field.fill(code)
  await org.getByRole('button', { name: '签到', exact: true }).click()
  await org.locator('.result[data-ok="false"] .r-title', { hasText: '已签到' }).waitFor()
  await result.getByText('爱读书的小王').waitFor()
  await result.getByText('该报名已签到').waitFor()
  await shot(org, 'h5-check-in-again')

  // 报名名单 marks them checked in; 导出 CSV downloads the list.
  await org.goto(`/activities/${a.id}/signups`)
  await org.locator('.roster .person', { hasText: '爱读书的小王' }).getByText('已签到').waitFor()
  await shot(org, 'h5-roster-checked-in')
  const [download] = await Promise.all([org.waitForEvent('download'), org.getByRole('button', { name: '导出 CSV' }).click()])
  assert.match(download.suggestedFilename(), /\.csv$/)
  const csv = fs.readFileSync(await download.path(), 'utf8')
  assert.ok(csv.startsWith('\ufeff用户ID,昵称,状态'), 'BOM and the Chinese header row')
  assert.match(csv, /爱读书的小王,已签到/)

  // The participant sees it too.
  await page.goto('/activities/' + a.id)
  await page.locator('.mine[data-status="checked_in"]').getByText('签到成功，玩得开心').waitFor()
  assert.equal(await page.locator('figure.qr').count(), 0, 'no QR code once checked in')
})

/** A demo account's access token (password login through the API). */
async function tokenOf(account) {
  const login = await api('POST', '/auth/login', { account, password: PASSWORD })
  assert.equal(login.status, 200, `login ${account}: ` + JSON.stringify(login.json))
  return login.json.access_token
}

/** A paid order: `account` signs up for a new paid activity and pays it in the sandbox (API only). */
async function paidSignupOrder(account, priceFen) {
  const a = await publishedActivity(await organizerToken(), { title: `E2E 付费飞盘 ${Math.floor(Math.random() * 1e4)}`, price_fen: priceFen })
  const auth = { Authorization: 'Bearer ' + (await tokenOf(account)) }
  const su = await api('POST', `/activities/${a.id}/signups`, undefined, auth)
  assert.equal(su.status, 201, 'paid sign-up: ' + JSON.stringify(su.json))
  const no = su.json.order.order_no
  const pay = await api('POST', `/orders/${no}/pay`, { channel: 'sandbox' }, auth)
  assert.equal(pay.status, 200, 'pay: ' + JSON.stringify(pay.json))
  const done = await api('POST', `/payments/sandbox/${no}/complete`, { result: 'success' }, auth)
  assert.equal(done.status, 200, 'sandbox complete: ' + JSON.stringify(done.json))
  assert.equal(done.json.status, 'paid')
  return { activity: a, orderNo: no }
}

/** On the sandbox pay page: checks the amount, pays, and waits for the way back. */
async function paySandbox(page, amount) {
  await page.waitForURL(/\/api\/v1\/payments\/sandbox\/ZJ[^/?]+\?t=[^&]+&return=/)
  await page.getByText('沙箱环境 · 不会真实扣款').waitFor()
  await page.locator('.amount', { hasText: amount }).waitFor()
  await shot(page, 'sandbox-pay-page')
  await page.getByRole('button', { name: '确认支付' }).click()
  await page.locator('#result', { hasText: '支付成功' }).waitFor()
  await page.waitForURL(/\/orders\/ZJ[^/]+\/result/)
}

test('H5：付费活动报名，待支付倒计时，沙箱支付后报名确认', async (h) => {
  const title = `E2E 付费羽毛球 ${Math.floor(Math.random() * 1e4)}`
  const a = await publishedActivity(await organizerToken(), { title, price_fen: 2550 })
  const page = await h.newPage(MOBILE)
  await h5PasswordLogin(page, '13800000002', PASSWORD)
  await page.goto('/activities/' + a.id)
  await page.locator('.hero .price', { hasText: '¥25.50' }).waitFor()
  await page.getByRole('button', { name: '立即报名' }).click()

  // The seat is held: pay later first, and the card shows amount and countdown.
  const dialog = page.locator('.van-dialog', { hasText: '名额已为你保留' })
  await dialog.waitFor()
  await dialog.getByRole('button', { name: '稍后支付' }).click()
  await dialog.waitFor({ state: 'hidden' })
  const mine = page.locator('.mine[data-status="pending_payment"]')
  await mine.getByText('待支付', { exact: true }).waitFor()
  await mine.locator('.due', { hasText: '¥25.50' }).waitFor()
  await mine.locator('.countdown b', { hasText: /^(1[0-5]|0\d):\d\d$/ }).waitFor()
  assert.equal(await page.getByText('在线支付即将开放').count(), 0, 'no placeholder any more')
  await page.locator('.actions').getByRole('button', { name: /去支付 ¥25\.50/ }).waitFor()
  await shot(page, 'h5-pending-payment')

  // 我的报名 offers to pay too.
  await page.goto('/me/signups')
  await page.locator('.card', { hasText: title }).getByRole('button', { name: '去支付' }).waitFor()

  // 去支付 → the sandbox's pay page → back to the result page.
  await page.goto('/activities/' + a.id)
  await mine.getByRole('button', { name: '去支付' }).click()
  await paySandbox(page, '¥25.50')
  const result = page.locator('.result-page')
  await result.locator('.title', { hasText: '支付成功' }).waitFor()
  await result.locator('.amount', { hasText: '¥25.50' }).waitFor()
  await result.locator('[data-note="seat-confirmed"]', { hasText: '报名成功，名额已确认' }).waitFor()
  await shot(page, 'h5-payment-result')

  // Back on the activity: a confirmed seat with its QR code.
  await result.getByRole('button', { name: '查看活动' }).click()
  await page.waitForURL(isDetail)
  await page.locator('.mine[data-status="confirmed"]').getByText('到场后向组织者出示签到二维码').waitFor()
  await page.locator('.mine figure.qr canvas').waitFor()
  await page.getByText(a.address).waitFor()
})

test('H5：会员中心开通会员（沙箱支付）', async (h) => {
  const email = `e2e-member-${Date.now()}-${Math.floor(Math.random() * 1e4)}@example.com`
  const reg = await api('POST', '/auth/register', { email, password: 'e2e-pass-2026', nickname: 'E2E 会员' })
  assert.equal(reg.status, 201, 'register: ' + JSON.stringify(reg.json))
  const page = await h.newPage(MOBILE)
  await h5PasswordLogin(page, email, 'e2e-pass-2026')
  await page.getByText('会员中心', { exact: true }).click()
  await page.waitForURL('**/me/membership')
  await page.locator('.status[data-state="never"]').getByText('你还不是会员').waitFor()
  const monthly = page.locator('.plan[data-plan="月度会员"]')
  await monthly.getByText('¥19.90').waitFor()
  await page.locator('.plan[data-plan="年度会员"]').getByText('¥168.00').waitFor()
  await shot(page, 'h5-membership')

  await monthly.getByRole('button', { name: '开通' }).click()
  const dialog = page.locator('.van-dialog', { hasText: '开通「月度会员」' })
  await dialog.waitFor()
  await dialog.getByRole('button', { name: '去支付' }).click()
  await paySandbox(page, '¥19.90')
  const result = page.locator('.result-page')
  await result.locator('.title', { hasText: '支付成功' }).waitFor()
  await result.locator('[data-note="membership"]', { hasText: '会员已开通，有效期至' }).waitFor()
  await result.getByRole('button', { name: '返回会员中心' }).click()
  await page.waitForURL('**/me/membership')
  await page.locator('.status[data-state="active"]').getByText('会员生效中').waitFor()
  await page.locator('.plan[data-plan="月度会员"]').getByRole('button', { name: '续费' }).waitFor()
  await shot(page, 'h5-membership-active')
})

test('H5：成局后进入群聊，实时收到回复，敏感词被拦截', async (h) => {
  // Two new participants (API registrations) sign up for a free activity
  // that forms at 2: the second sign-up forms it and its chat room opens.
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e4)}`
  const password = 'e2e-chat-2026'
  const people = []
  for (const [key, nickname] of [['a', '群聊小安'], ['b', '群聊小白']]) {
    const email = `e2e-chat-${key}-${stamp}@example.com`
    const reg = await api('POST', '/auth/register', { email, password, nickname })
    assert.equal(reg.status, 201, 'register: ' + JSON.stringify(reg.json))
    people.push({ email, nickname, auth: { Authorization: 'Bearer ' + reg.json.access_token } })
  }
  const [A, B] = people
  const title = `E2E 群聊飞盘 ${Math.floor(Math.random() * 1e4)}`
  const a = await publishedActivity(await organizerToken(), { title, min_participants: 2, max_participants: 6 })
  for (const p of people) {
    const su = await api('POST', `/activities/${a.id}/signups`, undefined, p.auth)
    assert.equal(su.status, 201, 'sign-up: ' + JSON.stringify(su.json))
  }
  // The room is created when the formed event is handled: wait for B to be in it.
  let room = null
  for (const deadline = Date.now() + 10_000; !room; ) {
    const list = await api('GET', '/chat/rooms', undefined, B.auth)
    room = list.json?.items?.find((r) => r.activity_id === a.id) ?? null
    if (room) break
    if (Date.now() > deadline) throw new Error('no chat room for the formed activity: ' + JSON.stringify(list.json))
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.equal(room.title, title)

  // A opens the activity and goes into its chat.
  const page = await h.newPage(MOBILE)
  await h5PasswordLogin(page, A.email, password)
  await page.goto('/activities/' + a.id)
  await page.locator('.hero').getByText('已成局').waitFor()
  const entry = page.locator('[data-chat="entry"]')
  await entry.getByText('活动群聊').waitFor()
  await shot(page, 'h5-activity-chat-entry')
  await entry.getByRole('button', { name: '进入群聊' }).click()
  await page.waitForURL(`**/chats/${a.id}`)
  await page.locator('.chat-title', { hasText: title }).waitFor()
  await page.locator('.msg.system', { hasText: '已成局' }).waitFor()
  await page.locator('.chat-page[data-conn="open"]').waitFor()

  // A's message: 发送中 until the server's ack, then delivered (and stored).
  const input = page.getByPlaceholder('发消息…')
  const sendButton = page.getByRole('button', { name: '发送', exact: true })
  await input.fill('周六下午两点集合？')
  await sendButton.click()
  const mine = page.locator('.msg.mine', { hasText: '周六下午两点集合？' })
  await mine.waitFor()
  await page.locator('.msg.mine[data-status="sent"]', { hasText: '周六下午两点集合？' }).waitFor()
  assert.equal(await mine.getByText('发送中').count(), 0, 'no longer 发送中')
  assert.equal(await input.inputValue(), '', 'the box is cleared')
  const stored = await api('GET', `/chat/rooms/${a.id}/messages`, undefined, B.auth)
  assert.ok(
    stored.json.items.some((m) => m.content === '周六下午两点集合？' && m.sender?.nickname === A.nickname),
    'B can read A\'s message: ' + JSON.stringify(stored.json.items),
  )

  // B answers over HTTP; it shows up on A's page live, without a reload.
  await page.evaluate(() => (window.__zujuSamePage = true))
  const reply = await api('POST', `/chat/rooms/${a.id}/messages`, { content: '好的', client_id: `e2e-${stamp}` }, B.auth)
  assert.equal(reply.status, 201, 'B replies: ' + JSON.stringify(reply.json))
  const theirs = page.locator('.msg.theirs', { hasText: '好的' })
  await theirs.waitFor()
  await theirs.locator('.name', { hasText: B.nickname }).waitFor()
  assert.equal(await page.evaluate(() => window.__zujuSamePage), true, 'the page was not reloaded')
  await shot(page, 'h5-chat-room')

  // A sensitive word: refused with the server's reason, shown as 发送失败 with 重试.
  await input.fill('有人一起玩网络赌博吗')
  await sendButton.click()
  await page.locator('.van-toast', { hasText: '消息含有违规内容，未能发送' }).waitFor()
  const blocked = page.locator('.msg.mine[data-status="failed"]', { hasText: '网络赌博' })
  await blocked.getByText('发送失败').waitFor()
  await blocked.getByRole('button', { name: '重试' }).waitFor()
  await shot(page, 'h5-chat-blocked')
  const after = await api('GET', `/chat/rooms/${a.id}/messages`, undefined, B.auth)
  assert.ok(!after.json.items.some((m) => m.content.includes('赌博')), 'the blocked message is not stored')

  // 群聊 lists the room with B's reply as its last message, read by A.
  await page.goto('/chats')
  const row = page.locator(`.room[data-room="${a.id}"]`)
  await row.getByText(title).waitFor()
  await row.getByText(`${B.nickname}：好的`).waitFor()
  assert.equal(await row.getAttribute('data-unread'), '0', 'read in the room')
  await page.locator('.van-tabbar-item', { hasText: '群聊' }).waitFor()
  await shot(page, 'h5-chats')
})

async function adminLogin(page, account, password) {
  await page.goto('/admin/')
  await page.waitForURL('**/admin/login**')
  await page.getByPlaceholder('手机号或邮箱').fill(account)
  await page.getByPlaceholder('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
}

test('管理后台：用户管理、封禁与解封、审计日志', async (h) => {
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await page.locator('.page-title', { hasText: '用户管理' }).waitFor()
  const table = page.locator('.el-table')
  await table.getByText('爱读书的小王').waitFor()
  assert.ok((await table.locator('.el-table__body tr').count()) >= 5, 'the demo users are listed')
  await shot(page, 'admin-users')

  // Search.
  await page.getByPlaceholder('昵称 / 手机号 / 邮箱 / ID').fill('徒步')
  await page.getByRole('button', { name: '查询' }).click()
  await page.waitForURL(/\/admin\/users\?q=/)
  const row = table.locator('.el-table__body tr', { hasText: '周末徒步张同学' })
  await row.waitFor()
  await table.getByText('爱读书的小王').waitFor({ state: 'detached' })
  assert.equal(await table.locator('.el-table__body tr').count(), 1)

  // Drawer: unmasked contact data.
  await row.click()
  const drawer = page.locator('.el-drawer')
  await drawer.getByText('用户详情').waitFor()
  await drawer.getByText('13800000003').waitFor()
  await drawer.locator('.el-tag', { hasText: '正常' }).waitFor()
  await shot(page, 'admin-drawer')

  // Ban with a reason.
  const reason = 'E2E 测试：发布违规广告'
  await drawer.getByRole('button', { name: '封禁账号' }).click()
  const banDialog = page.getByRole('dialog', { name: '封禁账号' })
  await banDialog.getByPlaceholder('将记录到审计日志').fill(reason)
  await shot(page, 'admin-ban-dialog')
  await banDialog.getByRole('button', { name: '确认封禁' }).click()
  await page.getByText('已封禁，该账号的登录已全部失效').waitFor()
  await banDialog.waitFor({ state: 'hidden' })
  await drawer.locator('.el-alert', { hasText: '永久封禁' }).getByText(reason, { exact: false }).waitFor()
  await drawer.getByRole('button', { name: '解除封禁' }).waitFor()
  await row.locator('.el-tag', { hasText: '已封禁' }).waitFor()
  await shot(page, 'admin-banned')

  // The banned user cannot sign in.
  const refused = await api('POST', '/auth/login', { account: '13800000003', password: PASSWORD })
  assert.equal(refused.status, 403)
  assert.equal(refused.json.code, 'auth.banned')

  // Unban.
  await drawer.getByRole('button', { name: '解除封禁' }).click()
  const unbanDialog = page.getByRole('dialog', { name: '解除封禁' })
  await unbanDialog.getByPlaceholder('说明（选填）').fill('E2E 测试：误封')
  await unbanDialog.getByRole('button', { name: '解除封禁' }).click()
  await page.getByText('已解除封禁').waitFor()
  await unbanDialog.waitFor({ state: 'hidden' })
  await drawer.locator('.el-tag', { hasText: '正常' }).waitFor()
  await row.locator('.el-tag', { hasText: '正常' }).waitFor()
  assert.equal((await api('POST', '/auth/login', { account: '13800000003', password: PASSWORD })).status, 200)
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })

  // 审计日志 has the ban.
  await page.locator('.el-menu-item', { hasText: '审计日志' }).click()
  await page.waitForURL('**/admin/audit-logs')
  const logs = page.locator('.el-table')
  const banRow = logs.locator('.el-table__body tr', { hasText: '封禁用户' }).first()
  await banRow.waitFor()
  await banRow.getByText('平台管理员').waitFor()
  await logs.locator('.el-table__body tr', { hasText: '解除封禁' }).first().waitFor()
  await shot(page, 'admin-audit-logs')
})

test('管理后台：活动类型', async (h) => {
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await page.locator('.el-menu-item', { hasText: '活动类型' }).click()
  await page.waitForURL('**/admin/activity-types')
  const table = page.locator('.el-table')
  await table.locator('.el-table__body tr').first().waitFor()
  const name = `E2E 飞盘${Math.floor(Math.random() * 1e4)}`
  await page.getByRole('button', { name: '新建类型' }).click()
  const dialog = page.getByRole('dialog', { name: '新建活动类型' })
  await dialog.getByPlaceholder('例如：户外徒步').fill(name)
  await shot(page, 'admin-activity-type-dialog')
  await dialog.getByRole('button', { name: '保存' }).click()
  await page.getByText('已添加').waitFor()
  await dialog.waitFor({ state: 'hidden' })
  await table.locator('.el-table__body tr', { hasText: name }).waitFor()
  await shot(page, 'admin-activity-types')
  // Offered to organizers at once.
  const types = await api('GET', '/activity-types')
  assert.ok(types.json.items.some((t) => t.name === name))
})

test('H5：首页按距离排序与附近筛选（定位）', async (h) => {
  // Without the location permission: a clear message, and the sort stays.
  const denied = await h.newPage(MOBILE)
  await denied.goto('/')
  await denied.locator('.card').first().waitFor()
  await denied.getByRole('tab', { name: '距离' }).click()
  const dialog = denied.locator('.van-dialog')
  await dialog.getByText('无法使用位置').waitFor()
  await dialog.getByText(/定位权限被拒绝|无法获取位置|暂时无法获取位置/).waitFor()
  await shot(denied, 'h5-home-location-denied')
  await dialog.getByRole('button', { name: '知道了' }).click()
  assert.equal(await denied.getByRole('tab', { name: '开始时间' }).getAttribute('aria-selected'), 'true')
  assert.equal(new URL(denied.url()).searchParams.get('sort'), null)

  // Near the demo basketball court in Shanghai (31.18, 121.43).
  const page = await h.newPage({ ...MOBILE, geolocation: { latitude: 31.19, longitude: 121.44 }, permissions: ['geolocation'] })
  await page.goto('/')
  await page.locator('.card').first().waitFor()
  await page.getByRole('tab', { name: '距离' }).click()
  await page.waitForURL(/sort=distance/)
  await page.getByText('已使用你的位置').waitFor()
  const first = page.locator('.card').first()
  await first.getByText('周末篮球局（新手友好）').waitFor()
  await first.locator('.distance', { hasText: '1.5 km' }).waitFor()
  // The demo's member-only coffee tasting (31.21, 121.47) is 3.5 km away.
  const second = page.locator('.card').nth(1)
  await second.getByText('会员专享 · 咖啡品鉴会').waitFor()
  await second.locator('.distance', { hasText: /^\s*3\.\d km\s*$/ }).waitFor()
  const third = page.locator('.card').nth(2)
  await third.getByText('周五晚剧本杀：《长安夜》').waitFor()
  await third.locator('.distance', { hasText: /^\s*4\.\d km\s*$/ }).waitFor()
  await shot(page, 'h5-home-distance')

  // 附近 3 km keeps the court only.
  await page.getByRole('button', { name: '筛选' }).click()
  const sheet = page.locator('.filter-sheet')
  await sheet.getByRole('button', { name: '3 km', exact: true }).click()
  await shot(page, 'h5-home-filter-sheet')
  await sheet.getByRole('button', { name: '查看结果' }).click()
  await page.waitForURL(/radius=3/)
  await page.locator('.chips-row .chip', { hasText: '附近 3 km' }).waitFor()
  await page.locator('.card', { hasText: '周五晚剧本杀' }).waitFor({ state: 'detached' })
  assert.equal(await page.locator('.card').count(), 1)
  // 1 km: nothing that close.
  await page.getByRole('button', { name: '筛选' }).click()
  await sheet.getByRole('button', { name: '1 km', exact: true }).click()
  await sheet.getByRole('button', { name: '查看结果' }).click()
  await page.getByText('附近 1 km 内暂时没有活动').waitFor()
  // Removing the chip lists everything again, still by distance.
  await page.getByRole('button', { name: '移除 附近 1 km' }).click()
  await first.getByText('周末篮球局（新手友好）').waitFor()
  await page.getByRole('tab', { name: '热门' }).click()
  await page.waitForURL(/sort=hot/)
  await page.locator('.card').first().waitFor()
})

test('管理后台：活动列表、筛选与导出参与者', async (h) => {
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await page.locator('.el-menu-item', { hasText: '活动' }).first().click()
  await page.waitForURL('**/admin/activities')
  await page.locator('.page-title', { hasText: '活动' }).waitFor()
  const table = page.locator('.el-table')
  const basketball = table.locator('.el-table__body tr', { hasText: '周末篮球局（新手友好）' })
  await basketball.waitFor()
  await basketball.getByText('报名中').waitFor()
  await table.getByText('香山秋日徒步').waitFor()
  await shot(page, 'admin-activities')

  // Search by a word of the title.
  await page.getByPlaceholder('活动标题 / ID').fill('徒步')
  await page.getByRole('button', { name: '查询' }).click()
  await page.waitForURL(/\/admin\/activities\?q=/)
  await table.getByText('香山秋日徒步').waitFor()
  await basketball.waitFor({ state: 'detached' })

  // A status filter with no match: the empty state.
  await page.getByPlaceholder('活动标题 / ID').fill('')
  await page.locator('.el-select', { hasText: '全部状态' }).click()
  await page.getByRole('option', { name: '已结束' }).click()
  await page.waitForURL(/status=finished/)
  await table.getByText('没有符合条件的活动').waitFor()
  await page.getByRole('button', { name: '重置' }).click()
  await basketball.waitFor()

  // The participants of an activity as CSV.
  const [download] = await Promise.all([page.waitForEvent('download'), basketball.getByRole('button', { name: '导出名单' }).click()])
  const csv = fs.readFileSync(await download.path(), 'utf8')
  assert.ok(csv.startsWith('\ufeff用户ID,昵称,状态'), 'BOM and the Chinese header row')
  await page.getByText('已导出参与者名单').waitFor()
})

test('管理后台：订单、部分退款与会员套餐', async (h) => {
  const { orderNo } = await paidSignupOrder('13800000003', 3000)
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await page.locator('.el-menu-item', { hasText: '订单' }).click()
  await page.waitForURL('**/admin/orders')
  const table = page.locator('.el-table').first()
  await table.locator('.el-table__body tr', { hasText: orderNo }).first().waitFor()

  // By order number: one paid order.
  await page.getByPlaceholder('ZJ…').fill(orderNo)
  await page.getByRole('button', { name: '查询' }).click()
  await page.waitForURL(/\/admin\/orders\?order_no=/)
  const row = table.locator('.el-table__body > tbody > tr', { hasText: orderNo }).first()
  await row.locator('.el-tag', { hasText: '已支付' }).waitFor()
  await row.getByText('¥30.00').waitFor()
  await row.getByText('周末徒步张同学').waitFor()
  await shot(page, 'admin-orders')

  // A partial refund: more than paid is refused at the field, then ¥10.50.
  await row.getByRole('button', { name: '退款' }).click()
  const dialog = page.getByRole('dialog', { name: '订单退款' })
  const amount = dialog.getByPlaceholder('0.00')
  assert.equal(await amount.inputValue(), '30.00', 'the refundable amount by default')
  await amount.fill('30.01')
  await dialog.getByPlaceholder(/将记录到审计日志/).fill('E2E 测试：场地变更，部分退款')
  await dialog.getByRole('button', { name: '确认退款' }).click()
  await dialog.getByText('不能超过可退金额 ¥30.00').waitFor()
  await amount.fill('10.50')
  await shot(page, 'admin-refund-dialog')
  await dialog.getByRole('button', { name: '确认退款' }).click()
  await page.locator('.el-message', { hasText: /已退款 ¥10\.50|退款已提交（¥10\.50）/ }).waitFor()
  await dialog.waitFor({ state: 'hidden' })
  await row.getByText(/(已退|退款中) ¥10\.50/).waitFor()

  // The refund in the expanded row.
  await row.locator('.el-table__expand-icon').click()
  const expand = page.locator(`.expand[data-order="${orderNo}"]`)
  await expand.getByText('退款记录（1）').waitFor()
  await expand.getByText('E2E 测试：场地变更，部分退款').waitFor()
  await expand.getByText('¥10.50').waitFor()
  await shot(page, 'admin-order-refunds')

  // 退款失败: a filter of its own (none here).
  await page.getByRole('button', { name: '重置' }).click()
  await page.locator('.el-select', { hasText: '全部状态' }).click()
  await page.getByRole('option', { name: '退款失败' }).click()
  await page.waitForURL(/status=refund_failed/)
  await page.getByText('以下订单有退款失败或待核实的记录').waitFor()

  // 会员套餐: the demo plans; a new one priced in 元 is stored in exact fen.
  await page.locator('.el-menu-item', { hasText: '会员套餐' }).click()
  await page.waitForURL('**/admin/membership-plans')
  const plans = page.locator('.el-table')
  await plans.locator('.el-table__body tr', { hasText: '月度会员' }).getByText('¥19.90').waitFor()
  const name = `E2E 季卡${Math.floor(Math.random() * 1e4)}`
  await page.getByRole('button', { name: '新建套餐' }).first().click()
  const planDialog = page.getByRole('dialog', { name: '新建会员套餐' })
  await planDialog.getByPlaceholder('例如：月度会员').fill(name)
  await planDialog.locator('.el-input-number input').fill('90')
  await planDialog.getByPlaceholder('0.00').fill('0.295')
  await planDialog.getByRole('button', { name: '保存' }).click()
  await planDialog.getByText('请输入价格（元），最多两位小数').waitFor()
  await planDialog.getByPlaceholder('0.00').fill('0.29')
  await shot(page, 'admin-plan-dialog')
  await planDialog.getByRole('button', { name: '保存' }).click()
  await page.getByText('已添加').waitFor()
  await planDialog.waitFor({ state: 'hidden' })
  const planRow = plans.locator('.el-table__body tr', { hasText: name })
  await planRow.getByText('¥0.29').waitFor()
  await planRow.getByText('90 天（3 个月）').waitFor()
  let onSale = (await api('GET', '/membership/plans')).json.items.find((p) => p.name === name)
  assert.equal(onSale?.price_fen, 29, '0.29 元 is 29 fen')
  assert.equal(onSale?.duration_days, 90)

  // 停售 after a confirmation: gone from the app's list.
  await planRow.locator('.el-switch').click()
  await page.locator('.el-message-box', { hasText: '停售套餐' }).getByRole('button', { name: '停售' }).click()
  await page.getByText(`「${name}」已停售`).waitFor()
  await planRow.locator('.el-tag', { hasText: '已停售' }).waitFor()
  onSale = (await api('GET', '/membership/plans')).json.items.find((p) => p.name === name)
  assert.equal(onSale, undefined, 'an off-sale plan is not offered')
  await shot(page, 'admin-plans')
})

test('管理后台：数据统计（累计、今日、每日数据与日期范围）', async (h) => {
  // A paid sign-up now: today's revenue has it.
  await paidSignupOrder('13800000003', 1200)
  const auth = { Authorization: 'Bearer ' + (await tokenOf('admin@zuju.local')) }
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await adminMenu(page, '数据统计', 'stats')
  const o = (await api('GET', '/admin/stats/overview', undefined, auth)).json
  assert.ok(o.users >= 5 && o.today.new_users >= 5, 'the demo accounts were made today: ' + JSON.stringify(o))
  assert.ok(o.today.revenue_fen >= 1200 && o.revenue_fen >= o.today.revenue_fen, 'the payment is revenue today')
  const yuan = (fen) => `¥${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`
  await page.locator('[data-stat="users"]', { hasText: o.users.toLocaleString('zh-CN') }).waitFor()
  await page.locator('[data-stat="revenue"]', { hasText: yuan(o.revenue_fen) }).waitFor()
  await page.locator('[data-stat="today_revenue"]', { hasText: yuan(o.today.revenue_fen) }).waitFor()
  await page.getByText(`今日（${o.today.date}）`).waitFor()

  // 30 days up to today by default, one bar each; today is the last row.
  const rows = page.locator('.el-table__body-wrapper tbody tr')
  await rows.nth(29).waitFor()
  assert.equal(await rows.count(), 30)
  assert.equal(await page.locator('svg.chart rect.bar').count(), 30)
  const last = rows.nth(29)
  await last.getByText(o.today.date).waitFor()
  await last.getByText(yuan(o.today.revenue_fen)).waitFor()
  await page.locator('.el-table__footer', { hasText: '合计' }).waitFor()
  await shot(page, 'admin-stats')

  // 最近 7 天 from the picker: the range goes to the URL, seven days.
  await page.getByPlaceholder('开始日期').click()
  await page.locator('.el-picker-panel__shortcut', { hasText: '最近 7 天' }).click()
  await page.waitForURL(/\/admin\/stats\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/)
  await page.locator('svg.chart rect.bar').nth(6).waitFor()
  assert.equal(await page.locator('svg.chart rect.bar').count(), 7)
  assert.equal(await rows.count(), 7)
  await page.locator('.el-radio-button', { hasText: '收入' }).click()
  await page.getByText(/峰值 ¥/).waitFor()
  await shot(page, 'admin-stats-7-days')

  // A range with nothing in it: every day is zero, the chart says so.
  await page.goto('/admin/stats?from=2020-01-01&to=2020-01-10')
  await page.getByText('所选区间内暂无数据').waitFor()
  assert.equal(await rows.count(), 10)
})

test('管理后台：审核员看不到订单与会员套餐', async (h) => {
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'moderator@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await page.locator('.el-menu-item', { hasText: '活动类型' }).waitFor()
  assert.equal(await page.locator('.el-menu-item', { hasText: '订单' }).count(), 0, 'no 订单 for moderators')
  assert.equal(await page.locator('.el-menu-item', { hasText: '会员套餐' }).count(), 0, 'no 会员套餐 for moderators')
  assert.equal(await page.locator('.el-menu-item', { hasText: '数据统计' }).count(), 0, 'no 数据统计 for moderators')
  await page.goto('/admin/orders')
  await page.getByText('仅管理员可访问').waitFor()
  await shot(page, 'admin-moderator-orders')
})

test('管理后台：普通用户看到无权访问', async (h) => {
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, '13800000002', PASSWORD)
  await page.waitForURL('**/admin/forbidden')
  await page.getByText('无权访问').first().waitFor()
  await page.getByText('爱读书的小王').waitFor()
  await shot(page, 'admin-forbidden')
  // The console stays closed to this account.
  await page.goto('/admin/users')
  await page.waitForURL('**/admin/forbidden')
})

// ------------------------------------------------------- club alliance

/** A new account registered through the API (email and password). */
async function newAccount(key, nickname) {
  const email = `e2e-${key}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`
  const password = 'e2e-club-2026'
  const reg = await api('POST', '/auth/register', { email, password, nickname })
  assert.equal(reg.status, 201, 'register: ' + JSON.stringify(reg.json))
  return { email, password, nickname, id: reg.json.user.id, auth: { Authorization: 'Bearer ' + reg.json.access_token } }
}

/** Opens the console's page of a menu entry. */
async function adminMenu(page, title, path) {
  await page.locator('.el-menu-item', { hasText: title }).click()
  await page.waitForURL('**/admin/' + path)
  await page.locator('.page-title', { hasText: title }).waitFor()
}

const isPost = (u) => /^\/posts\/(?!new$)[^/]+$/.test(u.pathname)

test('社团联盟：创建社团、后台审核通过、申请入社、社长审批、版块与广场发帖、点赞评论回复', async (h) => {
  const word = chineseWord()
  const category = `E2E 分类${word}`
  const clubName = `E2E 飞盘社${word}`
  const question = '你为什么想加入？'

  // Staff add a category (none are seeded).
  const admin = await h.newPage(DESKTOP)
  await adminLogin(admin, 'admin@zuju.local', PASSWORD)
  await admin.waitForURL('**/admin/users')
  await adminMenu(admin, '社团分类', 'club-categories')
  await admin.getByRole('button', { name: '新建分类' }).click()
  const catDialog = admin.getByRole('dialog', { name: '新建社团分类' })
  await catDialog.getByPlaceholder('例如：学术科技').fill(category)
  await catDialog.getByRole('button', { name: '保存' }).click()
  await admin.locator('.el-message', { hasText: '已添加' }).waitFor()
  await admin.locator('.el-table__body tr', { hasText: category }).waitFor()
  await shot(admin, 'admin-club-categories')

  // A founds a club from the 社团 tab.
  const A = await newAccount('owner', '社长小安' + word)
  const owner = await h.newPage(MOBILE)
  await h5PasswordLogin(owner, A.email, A.password)
  await owner.locator('.van-tabbar-item', { hasText: '社团' }).click()
  await owner.waitForURL('**/clubs')
  await owner.getByText('找到志同道合的社团').waitFor()
  await owner.getByRole('button', { name: '创建社团' }).first().click()
  await owner.waitForURL('**/clubs/new')
  await owner.getByRole('button', { name: '提交审核' }).click()
  await owner.getByText('社团名称需 2–30 个字').waitFor()
  await owner.getByText('请选择社团分类').waitFor()
  await owner.getByPlaceholder('2–30 个字，如 摄影协会').fill(clubName)
  await owner.getByPlaceholder('选择社团分类').click()
  const picker = owner.locator('.van-picker')
  await picker.locator('.van-picker-column__item', { hasText: category }).click()
  await owner.waitForTimeout(400)
  await picker.getByRole('button', { name: '确认' }).click()
  await picker.waitFor({ state: 'hidden' })
  assert.equal(await owner.getByPlaceholder('选择社团分类').inputValue(), category)
  await owner.getByPlaceholder('介绍社团的宗旨、日常活动和招新要求').fill('每周六下午在东操场练习飞盘，欢迎零基础同学。')
  await owner.getByText('添加问题').click()
  await owner.getByPlaceholder('例如：你为什么想加入？').fill(question)
  await shot(owner, 'h5-club-create')
  await owner.getByRole('button', { name: '提交审核' }).click()
  await owner.locator('.van-dialog', { hasText: '已提交审核' }).waitFor()
  await confirmDialog(owner, '知道了')
  await owner.waitForURL(/\/clubs\/[^/]+$/)
  const clubId = new URL(owner.url()).pathname.split('/').pop()
  await owner.locator('[data-club-status]').getByText('社团正在审核中').waitFor()
  await shot(owner, 'h5-club-pending')
  // Not in the directory while pending.
  const dir = await api('GET', '/clubs?q=' + encodeURIComponent(word))
  assert.ok(!dir.json.items?.some((c) => c.id === clubId), 'a pending club is not listed')

  // Staff approve it in the review queue.
  await adminMenu(admin, '社团审核', 'clubs')
  const row = admin.locator('.el-table__body tr', { hasText: clubName })
  await row.getByText('待审核').waitFor()
  await row.getByText(category).waitFor()
  await shot(admin, 'admin-club-review')
  await row.getByRole('button', { name: '通过' }).click()
  await admin.locator('.el-message-box').getByRole('button', { name: '通过' }).click()
  await admin.locator('.el-message', { hasText: `已通过「${clubName}」` }).waitFor()
  await row.waitFor({ state: 'detached' })

  // B finds it by keyword and applies, answering the club's question.
  const B = await newAccount('member', '新社员小白' + word)
  const member = await h.newPage(MOBILE)
  await h5PasswordLogin(member, B.email, B.password)
  await member.goto('/clubs')
  const search = member.getByPlaceholder('搜索社团，如 摄影、街舞')
  await search.fill(word)
  await search.press('Enter')
  await member.waitForURL((u) => u.searchParams.get('q') === word)
  const card = member.locator('.club-card', { hasText: clubName })
  await card.waitFor()
  await card.getByText(category).waitFor()
  await card.getByText('1 名成员').waitFor()
  await member.locator('.cats').getByRole('button', { name: category }).click()
  await member.waitForURL((u) => u.searchParams.get('category') !== null)
  await card.waitFor()
  await shot(member, 'h5-clubs')
  await card.click()
  await member.waitForURL('**/clubs/' + clubId)
  await member.locator('.cover').getByText(clubName).waitFor()
  await member.getByText('每周六下午在东操场练习飞盘').waitFor()
  await member.locator('.people').getByText(A.nickname).waitFor()
  await member.getByRole('button', { name: '收藏', exact: true }).click()
  await member.getByRole('button', { name: '取消收藏' }).getByText('已收藏').waitFor()
  await member.getByRole('button', { name: '申请加入' }).click()
  const sheet = member.locator('.apply-sheet')
  await sheet.getByText(question).waitFor()
  await sheet.getByRole('button', { name: '提交申请' }).click()
  await sheet.getByText('请回答这个问题').waitFor()
  await sheet.getByPlaceholder('请填写你的回答').fill('想认识更多喜欢运动的朋友')
  await sheet.getByPlaceholder('介绍一下自己（选填）').fill('大二，会一点飞盘')
  await shot(member, 'h5-club-apply')
  await sheet.getByRole('button', { name: '提交申请' }).click()
  await member.locator('[data-application]').getByText('入社申请已提交，等待社团负责人审核').waitFor()
  await member.getByRole('button', { name: '申请审核中' }).waitFor()

  // The owner approves in 入社申请.
  await owner.reload()
  await owner.locator('[data-role]', { hasText: '我是社长' }).waitFor()
  await owner.getByText('入社申请', { exact: true }).click()
  await owner.waitForURL(`**/clubs/${clubId}/applications`)
  const app = owner.locator('[data-application]', { hasText: B.nickname })
  await app.getByText('想认识更多喜欢运动的朋友').waitFor()
  await app.getByText(question).waitFor()
  await shot(owner, 'h5-club-applications')
  await app.getByRole('button', { name: '通过' }).click()
  await owner.getByText(`已通过，${B.nickname} 成为社团成员`).waitFor()
  await app.waitFor({ state: 'detached' })
  await owner.getByText('没有待审核的申请').waitFor()

  // B is a member now: posts on the board…
  await member.reload()
  await member.locator('[data-role]', { hasText: '我是成员' }).waitFor()
  await member.getByRole('tab', { name: /成员 2/ }).waitFor()
  const boardTitle = `新人报到 ${word}`
  await member.getByRole('button', { name: '在版块发帖' }).click()
  await member.waitForURL(/\/posts\/new\?club_id=/)
  await member.locator('.target').getByText(`${clubName} 版块`).waitFor()
  await member.getByPlaceholder('标题（1–60 字）').fill(boardTitle)
  await member.getByPlaceholder('说点什么…空一行分段').fill('大家好，我是新来的社员。\n\n周六见！')
  await shot(member, 'h5-post-create')
  await member.getByRole('button', { name: '发布', exact: true }).click()
  await member.waitForURL(isPost)
  const boardPostId = new URL(member.url()).pathname.split('/').pop()
  await member.locator('.article .title', { hasText: boardTitle }).waitFor()
  await member.locator('.article .club', { hasText: clubName }).waitFor()
  await member.locator('.content p', { hasText: '周六见！' }).waitFor()

  // …and on the square.
  const squareTitle = `广场第一帖 ${word}`
  await member.goto('/')
  await member.locator('.van-tabbar-item', { hasText: '广场' }).click()
  await member.waitForURL('**/square')
  await member.locator('.fab').click()
  await member.waitForURL('**/posts/new')
  await member.locator('.target').getByText('广场').waitFor()
  await member.getByPlaceholder('标题（1–60 字）').fill(squareTitle)
  await member.getByPlaceholder('说点什么…空一行分段').fill('有没有人周末一起去江边骑车？')
  await member.getByRole('button', { name: '发布', exact: true }).click()
  await member.waitForURL(isPost)
  await member.locator('.article .club', { hasText: '广场' }).waitFor()
  await member.goto('/square')
  await member.getByRole('tab', { name: '最新' }).click()
  await member.locator('.post-card', { hasText: squareTitle }).waitFor()
  await shot(member, 'h5-square')

  // The owner sees the board post, likes, favorites and comments on it.
  await owner.goto('/clubs/' + clubId)
  const boardCard = owner.locator(`.post-card[data-post="${boardPostId}"]`)
  await boardCard.waitFor()
  await boardCard.click()
  await owner.waitForURL('**/posts/' + boardPostId)
  await owner.locator('[data-like]', { hasText: '点赞 0' }).click()
  await owner.locator('[data-like]', { hasText: '已赞 1' }).waitFor()
  await owner.locator('[data-favorite]').click()
  await owner.locator('[data-favorite]', { hasText: '已收藏' }).waitFor()
  await owner.getByPlaceholder('写评论…').fill('欢迎加入！周六东操场见')
  await owner.getByRole('button', { name: '发送', exact: true }).click()
  const comment = owner.locator('.comment', { hasText: '欢迎加入！周六东操场见' })
  await comment.waitFor()
  await owner.getByText('评论 1').waitFor()
  // Officers may pin it.
  await owner.getByRole('button', { name: '置顶', exact: true }).click()
  await owner.locator('.article .title .flag', { hasText: '置顶' }).waitFor()
  await shot(owner, 'h5-post-detail')

  // B replies to the comment (one level).
  await member.goto('/posts/' + boardPostId)
  await member.locator('[data-like]', { hasText: '点赞 1' }).waitFor()
  await member.locator('.comment', { hasText: '欢迎加入' }).getByRole('button', { name: '回复' }).click()
  await member.locator('.replying', { hasText: `回复 ${A.nickname}` }).waitFor()
  await member.getByPlaceholder(`回复 ${A.nickname}`).fill('谢谢社长！')
  await member.getByRole('button', { name: '发送', exact: true }).click()
  await member.locator('.replies .reply', { hasText: '谢谢社长！' }).waitFor()
  await shot(member, 'h5-post-reply')

  const stored = await api('GET', '/posts/' + boardPostId, undefined, A.auth)
  assert.equal(stored.status, 200)
  assert.equal(stored.json.like_count, 1, 'one like')
  assert.equal(stored.json.liked, true)
  assert.equal(stored.json.pinned, true)
  const thread = await api('GET', `/posts/${boardPostId}/comments`)
  assert.equal(thread.json.items.length, 2, 'a comment and its reply: ' + JSON.stringify(thread.json.items))
  assert.equal(thread.json.items[1].parent_id, thread.json.items[0].id)

  // The club calendar and its feed.
  await member.goto(`/clubs/${clubId}?tab=calendar`)
  await member.locator('.calendar').getByText(/没有社团活动|订阅日历/).first().waitFor()
  const ics = member.locator('a[data-ics]')
  assert.match(await ics.getAttribute('href'), new RegExp(`/api/v1/clubs/${clubId}/calendar\\.ics$`))
  const feed = await fetch(BASE + `/api/v1/clubs/${clubId}/calendar.ics`)
  assert.equal(feed.status, 200)
  assert.match(await feed.text(), /^BEGIN:VCALENDAR/)

  // The owner removes B with a 7-day ban in 成员管理; B may not apply, the
  // ban is listed and lifted.
  await owner.goto(`/clubs/${clubId}/members`)
  await owner.locator(`[data-member="${B.id}"]`).getByRole('button', { name: '管理' }).click()
  await owner.getByRole('button', { name: '移出并禁止加入' }).click()
  await owner.getByRole('radio', { name: '7 天' }).click()
  await owner.getByPlaceholder(/原因/).fill('多次发广告')
  await owner.getByRole('button', { name: '确定', exact: true }).click()
  await owner.locator(`[data-ban="${B.id}"]`, { hasText: '多次发广告' }).waitFor()
  assert.equal(await owner.locator(`[data-member="${B.id}"]`).count(), 0, 'the banned member left the roster')
  const again = await api('POST', `/clubs/${clubId}/applications`, { message: '再让我加入吧', answers: ['想'] }, B.auth)
  assert.equal(again.status, 403, 'a banned user cannot apply: ' + JSON.stringify(again.json))
  assert.equal(again.json.code, 'club.banned')
  await shot(owner, 'h5-club-bans')
  await owner.locator(`[data-ban="${B.id}"]`).getByRole('button', { name: '解除' }).click()
  await owner.getByRole('button', { name: '解除', exact: true }).last().click()
  await owner.locator(`[data-ban="${B.id}"]`).waitFor({ state: 'detached' })
})

test('社团联盟：敏感词设为人工审核，帖子进入审核队列，后台通过后公开', async (h) => {
  const word = `审核测试${chineseWord()}`
  const admin = await h.newPage(DESKTOP)
  await adminLogin(admin, 'admin@zuju.local', PASSWORD)
  await admin.waitForURL('**/admin/users')
  await adminMenu(admin, '敏感词', 'sensitive-words')
  await admin.getByRole('button', { name: '添加敏感词' }).click()
  const dialog = admin.getByRole('dialog', { name: '添加敏感词' })
  await dialog.getByPlaceholder('例如：代写论文').fill(word)
  await dialog.getByText('人工审核').click()
  await dialog.getByRole('button', { name: '保存' }).click()
  await admin.locator('.el-message', { hasText: `已添加「${word}」` }).waitFor()
  await admin.locator('.el-table__body tr', { hasText: word }).waitFor()
  await shot(admin, 'admin-sensitive-words')

  const U = await newAccount('held', '审核测试员')
  const page = await h.newPage(MOBILE)
  await h5PasswordLogin(page, U.email, U.password)
  const title = `周末二手书交换 ${Math.floor(Math.random() * 1e4)}`
  await page.goto('/posts/new')
  await page.getByPlaceholder('标题（1–60 字）').fill(title)
  await page.getByPlaceholder('说点什么…空一行分段').fill(`有兴趣的同学来看看，${word}，详情私聊。`)
  await page.getByRole('button', { name: '发布', exact: true }).click()
  await page.locator('.van-dialog', { hasText: '已提交审核' }).waitFor()
  await confirmDialog(page, '知道了')
  await page.waitForURL(isPost)
  const postId = new URL(page.url()).pathname.split('/').pop()
  await page.locator('[data-post-status]').getByText('内容审核中，通过后其他人才能看到').waitFor()
  assert.ok([403, 404].includes((await api('GET', '/posts/' + postId)).status), 'a held post is hidden from others')
  await page.goto('/me/posts')
  const mine = page.locator(`.post-card[data-post="${postId}"]`)
  await mine.getByText('审核中').first().waitFor()
  await shot(page, 'h5-my-posts-held')

  await adminMenu(admin, '内容审核', 'moderation')
  const row = admin.locator('.el-table__body tr', { hasText: title })
  await row.getByText(word, { exact: false }).waitFor()
  await shot(admin, 'admin-moderation')
  await row.getByRole('button', { name: '通过' }).click()
  await admin.locator('.el-message', { hasText: '已通过，内容已公开' }).waitFor()
  await row.waitFor({ state: 'detached' })

  const shown = await api('GET', '/posts/' + postId)
  assert.equal(shown.status, 200, 'published after approval')
  assert.equal(shown.json.status, 'published')
  await page.reload()
  await page.locator(`.post-card[data-post="${postId}"][data-status="published"]`).waitFor()
})

// ------------------------------------------------------- operations

/** Waits until an account's inbox has a notification of a type (API). */
async function inboxHas(auth, type) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const r = await api('GET', '/notifications', undefined, auth)
    const n = (r.json?.items ?? []).find((x) => x.type === type)
    if (n) return n
    if (Date.now() > deadline) throw new Error(`no ${type} notification: ` + JSON.stringify(r.json))
    await new Promise((res) => setTimeout(res, 200))
  }
}

test('管理后台：举报处理（筛选、详情快照、隐藏内容后通知举报人与作者）', async (h) => {
  const author = await newAccount('reported', '被举报的作者')
  const title = `出售期末答案 ${Math.floor(Math.random() * 1e4)}`
  const post = await api('POST', '/posts', { title, content: '<p>加微信购买期末考试答案，保过。</p>' }, author.auth)
  assert.equal(post.status, 201, 'post: ' + JSON.stringify(post.json))
  const reporters = [await newAccount('reporter-a', '举报人甲'), await newAccount('reporter-b', '举报人乙')]
  for (const [i, r] of reporters.entries()) {
    const filed = await api('POST', '/reports', { target_type: 'post', target_id: post.json.id, reason: i ? 'spam' : 'fraud', detail: '' }, r.auth)
    assert.equal(filed.status, 201, 'report: ' + JSON.stringify(filed.json))
  }

  // A moderator may hide content but not ban: the ban is offered disabled.
  const mod = await h.newPage(DESKTOP)
  await adminLogin(mod, 'moderator@zuju.local', PASSWORD)
  await mod.waitForURL('**/admin/users')
  await adminMenu(mod, '举报处理', 'reports')
  const modRow = mod.locator('.el-table__body tr', { hasText: title })
  await modRow.getByRole('button', { name: '处理' }).click()
  const modDialog = mod.getByRole('dialog', { name: '处理举报' })
  await modDialog.locator('.el-radio.is-disabled', { hasText: '封禁账号' }).waitFor()
  await modDialog.getByRole('button', { name: '取消' }).click()
  await modDialog.waitFor({ state: 'hidden' })

  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await adminMenu(page, '举报处理', 'reports')
  await page.locator('.filters .el-select').click()
  await page.locator('.el-select-dropdown__item', { hasText: '帖子' }).click()
  await page.waitForURL(/\/admin\/reports\?target_type=post/)
  const row = page.locator('.el-table__body tr', { hasText: title })
  await row.locator('[data-count="2"]').waitFor()
  await row.getByText('诈骗').waitFor()
  await row.getByText('垃圾广告').waitFor()
  await row.getByText('被举报的作者').waitFor()
  await shot(page, 'admin-reports')

  // The detail: the snapshot as reported, the count, the reasons.
  await row.getByRole('button', { name: '详情' }).click()
  const drawer = page.locator('.el-drawer')
  await drawer.getByText('举报详情').waitFor()
  await drawer.locator('.snapshot-full', { hasText: '加微信购买期末考试答案' }).waitFor()
  await drawer.locator('[data-detail-count]', { hasText: '2' }).waitFor()
  await drawer.getByText('诈骗 × 1').waitFor()
  await shot(page, 'admin-report-detail')

  // Resolve: hide the post with a note; a mute needs its days first.
  await drawer.getByRole('button', { name: '处理举报' }).click()
  const dialog = page.getByRole('dialog', { name: '处理举报' })
  await dialog.getByText('全部 2 条待处理举报', { exact: false }).waitFor()
  await dialog.locator('.el-radio', { hasText: '禁言' }).click()
  await dialog.getByLabel('禁言天数').waitFor()
  await dialog.locator('.el-radio', { hasText: '封禁账号' }).click()
  await dialog.getByRole('button', { name: '确认处理' }).click()
  await dialog.getByText('封禁时请填写处理说明，对方会看到').waitFor()
  await dialog.locator('.el-radio', { hasText: '隐藏内容' }).click()
  await dialog.getByRole('textbox').fill('出售考试答案，违反社区规范')
  await shot(page, 'admin-report-resolve')
  await dialog.getByRole('button', { name: '确认处理' }).click()
  await page.locator('.el-message', { hasText: '已处理（隐藏），共 2 条举报' }).waitFor()
  await dialog.waitFor({ state: 'hidden' })
  await row.waitFor({ state: 'detached' })

  // Listed as handled; the post is off the boards; everyone involved is told.
  await page.locator('.el-radio-button', { hasText: '已处理' }).click()
  await page.waitForURL(/status=resolved/)
  await page.locator('.el-table__body tr', { hasText: title }).waitFor()
  assert.equal(await page.locator('.el-table__body tr', { hasText: title }).getByRole('button', { name: '处理' }).count(), 0)
  assert.equal((await api('GET', '/posts/' + post.json.id)).status, 404, 'the post is held')
  const told = await inboxHas(reporters[0].auth, 'report_resolved')
  assert.match(told.body, /你举报的帖子已处理（隐藏）/)
  const actioned = await inboxHas(author.auth, 'content_actioned')
  assert.match(actioned.body, /出售考试答案，违反社区规范/)
})

test('管理后台：公告管理（草稿、发布、置顶、有效期，审核员只读）', async (h) => {
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await adminMenu(page, '公告管理', 'announcements')
  await page.getByRole('button', { name: '新建公告' }).click()
  const dialog = page.getByRole('dialog', { name: '新建公告' })
  await dialog.getByRole('button', { name: '保存草稿' }).click()
  await dialog.getByText('公告标题需 1–100 个字').waitFor()
  const title = `寒假线下活动安排 ${Math.floor(Math.random() * 1e4)}`
  await dialog.getByPlaceholder('例如：国庆假期活动安排').fill(title)
  await dialog.getByPlaceholder('公告正文，换行会保留').fill('寒假期间线下活动照常进行。\n请留意各活动的集合时间。')
  await dialog.getByPlaceholder('不填则一直展示到撤回').fill('2099-12-31 23:00:00')
  await dialog.getByPlaceholder('不填则一直展示到撤回').press('Enter')
  await shot(page, 'admin-announcement-editor')
  await dialog.getByRole('button', { name: '保存草稿' }).click()
  await page.locator('.el-message', { hasText: '已保存为草稿' }).waitFor()
  const row = page.locator('.el-table__body tr', { hasText: title })
  await row.locator('[data-phase="草稿"]').waitFor()
  await row.getByText('发布时 至 2099-12-31 23:00').waitFor()
  const live = async () => ((await api('GET', '/announcements')).json.items ?? []).map((a) => a.title)
  assert.ok(!(await live()).includes(title), 'a draft is not shown')

  // Publish, then pin: shown in the app, first.
  await row.getByRole('button', { name: '发布' }).click()
  await page.locator('.el-message-box', { hasText: '消息中心' }).getByRole('button', { name: '发布' }).click()
  await page.locator('.el-message', { hasText: '已发布' }).waitFor()
  await row.locator('[data-phase="展示中"]').waitFor()
  assert.ok((await live()).includes(title), 'published and shown')
  await row.getByRole('button', { name: '置顶' }).click()
  await page.locator('.el-message', { hasText: '已置顶' }).waitFor()
  await row.locator('.el-tag', { hasText: '置顶' }).waitFor()
  await row.getByRole('button', { name: '取消置顶' }).waitFor()
  assert.equal((await live())[0], title, 'pinned first')
  await shot(page, 'admin-announcements')

  // Its end moved into the past: it leaves the app; publishing it again is refused.
  await row.getByRole('button', { name: '编辑' }).click()
  const edit = page.getByRole('dialog', { name: '编辑公告' })
  await edit.getByPlaceholder('不填则一直展示到撤回').fill('2020-01-01 00:00:00')
  await edit.getByPlaceholder('不填则一直展示到撤回').press('Enter')
  await edit.getByRole('button', { name: '保存', exact: true }).click()
  await page.locator('.el-message', { hasText: /^\s*已保存\s*$/ }).waitFor()
  await row.locator('[data-phase="已过期"]').waitFor()
  assert.ok(!(await live()).includes(title), 'ended: no longer shown')
  await row.getByRole('button', { name: '撤回' }).click()
  await page.locator('.el-message-box', { hasText: '回到草稿' }).getByRole('button', { name: '撤回' }).click()
  await row.locator('[data-phase="草稿"]').waitFor()
  await row.getByRole('button', { name: '发布' }).click()
  await page.locator('.el-message-box', { hasText: '消息中心' }).getByRole('button', { name: '发布' }).click()
  await page.locator('.el-message', { hasText: '公告的结束时间已过，请先修改结束时间' }).waitFor()

  // Moderators read only.
  const mod = await h.newPage(DESKTOP)
  await adminLogin(mod, 'moderator@zuju.local', PASSWORD)
  await mod.waitForURL('**/admin/users')
  await adminMenu(mod, '公告管理', 'announcements')
  await mod.getByText('公告仅管理员可编辑，审核员可查看。').waitFor()
  await mod.locator('.el-table__body tr', { hasText: title }).waitFor()
  assert.equal(await mod.getByRole('button', { name: '新建公告' }).count(), 0)
  assert.equal(await mod.getByRole('button', { name: '编辑' }).count(), 0)
})

test('管理后台：系统配置（超级管理员修改并看到校验错误，管理员只读）', async (h) => {
  const page = await h.newPage(DESKTOP)
  await adminLogin(page, 'admin@zuju.local', PASSWORD)
  await page.waitForURL('**/admin/users')
  await adminMenu(page, '系统配置', 'configs')
  const limit = page.locator('.el-table__body tr', { hasText: 'announcements.public_limit' })
  await limit.getByText('应用内最多展示的公告条数').waitFor()
  await shot(page, 'admin-configs')

  // An int out of range is refused in the form; a good one is saved.
  await limit.getByRole('button', { name: '修改' }).click()
  const dialog = page.getByRole('dialog', { name: '修改配置' })
  await dialog.locator('.el-input-number input').fill('1000')
  await dialog.getByRole('button', { name: '保存', exact: true }).click()
  await dialog.getByText('取值范围 1–100').waitFor()
  await dialog.locator('.el-input-number input').fill('12')
  await dialog.getByRole('button', { name: '保存', exact: true }).click()
  await page.locator('.el-message', { hasText: '已保存 announcements.public_limit' }).waitFor()
  await dialog.waitFor({ state: 'hidden' })
  await limit.locator('[data-config="announcements.public_limit"]', { hasText: '12' }).waitFor()
  await limit.locator('.el-tag', { hasText: '已修改' }).waitFor()

  // JSON: not JSON is caught in the form, a wrong shape by the server.
  const banners = page.locator('.el-table__body tr', { hasText: 'home.banners' })
  await banners.getByRole('button', { name: '修改' }).click()
  await dialog.getByLabel('取值').fill('[{"link": "/activities"')
  await dialog.getByRole('button', { name: '保存', exact: true }).click()
  await dialog.getByText('不是有效的 JSON').waitFor()
  await dialog.getByLabel('取值').fill('[{"link": "/activities"}]')
  await dialog.getByRole('button', { name: '保存', exact: true }).click()
  await dialog.getByText('配置 home.banners 的值不合法', { exact: false }).waitFor()
  await shot(page, 'admin-config-invalid')
  await dialog.getByRole('button', { name: '取消' }).click()
  await dialog.waitFor({ state: 'hidden' })

  // Back to the default.
  await limit.getByRole('button', { name: '修改' }).click()
  await dialog.getByRole('button', { name: '恢复默认' }).click()
  await dialog.waitFor({ state: 'hidden' })
  await limit.locator('[data-config="announcements.public_limit"]', { hasText: '20' }).waitFor()

  // A plain admin sees the values but cannot save.
  const A = await newAccount('config-admin', '配置只读管理员')
  const root = { Authorization: 'Bearer ' + (await tokenOf('admin@zuju.local')) }
  assert.equal((await api('PUT', `/admin/users/${A.id}/roles`, { roles: ['admin'] }, root)).status, 200)
  const other = await h.newPage(DESKTOP)
  await adminLogin(other, A.email, A.password)
  await other.waitForURL('**/admin/users')
  await adminMenu(other, '系统配置', 'configs')
  await other.getByText('系统配置仅超级管理员可修改，你可以查看当前取值。').waitFor()
  await other.locator('[data-config="announcements.public_limit"]', { hasText: '20' }).waitFor()
  assert.equal(await other.getByRole('button', { name: '修改' }).count(), 0)
})

test('H5：消息中心（未读红点、打开即已读、全部已读）与首页置顶公告', async (h) => {
  const root = { Authorization: 'Bearer ' + (await tokenOf('admin@zuju.local')) }
  const U = await newAccount('inbox', '消息测试员')
  // An announcement (pinned) and a club review: two notifications for U.
  const annTitle = `平台公告 ${chineseWord()}${Math.floor(Math.random() * 1e4)}`
  const ann = await api('POST', '/admin/announcements', { title: annTitle, content: '本周末平台维护两小时。\n维护期间报名暂停。', pinned: true }, root)
  assert.equal(ann.status, 201, 'announcement: ' + JSON.stringify(ann.json))
  assert.equal((await api('POST', `/admin/announcements/${ann.json.id}/publish`, undefined, root)).status, 200)
  const cat = await api('POST', '/admin/club-categories', { name: `消息测试分类${chineseWord()}${Math.floor(Math.random() * 1e4)}` }, root)
  assert.equal(cat.status, 201, 'category: ' + JSON.stringify(cat.json))
  const clubName = `消息测试社${chineseWord()}`
  const club = await api('POST', '/clubs', { name: clubName, category_id: cat.json.id, description: '测试社团' }, U.auth)
  assert.equal(club.status, 201, 'club: ' + JSON.stringify(club.json))
  assert.equal((await api('POST', `/admin/clubs/${club.json.id}/approve`, undefined, root)).status, 200)
  await inboxHas(U.auth, 'announcement')
  const approved = await inboxHas(U.auth, 'club_approved')

  const page = await h.newPage(MOBILE)
  await h5PasswordLogin(page, U.email, U.password)
  await page.locator('.van-tabbar-item', { hasText: '我的' }).locator('.van-badge--dot').waitFor()
  await page.locator('.van-cell', { hasText: '消息' }).locator('.van-badge', { hasText: '2' }).waitFor()

  // 首页: the bell with the count, the pinned announcement on top.
  await page.locator('.van-tabbar-item', { hasText: '首页' }).click()
  await page.waitForURL((u) => u.pathname === '/')
  await page.locator('.bell .van-badge', { hasText: '2' }).waitFor()
  const bar = page.locator('[data-announcements]')
  await bar.getByText(annTitle).waitFor()
  await bar.locator('.pin', { hasText: '置顶' }).first().waitFor()
  await shot(page, 'h5-home-announcement')
  await bar.locator(`[data-announcement="${ann.json.id}"]`).click()
  await page.waitForURL('**/announcements/' + ann.json.id)
  await page.getByText('维护期间报名暂停。').waitFor()
  await page.locator('.van-nav-bar__left').click()
  await page.waitForURL((u) => u.pathname === '/')

  // 消息: both unread; opening one marks it read and goes to the club.
  await page.locator('.bell').click()
  await page.waitForURL('**/messages')
  const item = page.locator(`[data-notification="${approved.id}"]`)
  await item.locator('.dot').waitFor()
  assert.equal(await page.locator('[data-unread="1"]').count(), 2)
  await page.locator('[data-type="announcement"]').getByText(annTitle).waitFor()
  await shot(page, 'h5-messages')
  await item.click()
  await page.waitForURL('**/clubs/' + club.json.id)
  await page.getByText(clubName).first().waitFor()
  await page.goBack()
  await page.waitForURL('**/messages')
  await page.locator(`[data-notification="${approved.id}"][data-unread="0"]`).waitFor()
  await page.locator('.van-tab', { hasText: '通知' }).locator('.van-badge', { hasText: '1' }).waitFor()

  // 全部已读: no dot left, no count anywhere.
  await page.getByRole('button', { name: '全部已读' }).click()
  await page.getByText('已全部标为已读').waitFor()
  assert.equal(await page.locator('[data-unread="1"]').count(), 0)
  assert.equal((await api('GET', '/notifications/unread-count', undefined, U.auth)).json.unread, 0)
  assert.ok(await page.getByRole('button', { name: '全部已读' }).isDisabled())

  // 公告: pinned first, opens the announcement.
  await page.getByRole('tab', { name: '公告' }).click()
  await page.waitForURL('**/messages?tab=announcements')
  const first = page.locator('[data-announcement]').first()
  await first.getByText(annTitle).waitFor()
  await first.locator('.van-tag', { hasText: '置顶' }).waitFor()
  await shot(page, 'h5-messages-announcements')
  await first.click()
  await page.waitForURL('**/announcements/' + ann.json.id)
  await page.getByText('本周末平台维护两小时。', { exact: false }).waitFor()

  await page.goto('/')
  await page.locator('.bell').waitFor()
  assert.equal(await page.locator('.bell .van-badge').count(), 0, 'no count on the bell once all are read')
  assert.equal(await page.locator('.van-tabbar-item', { hasText: '我的' }).locator('.van-badge--dot').count(), 0)

  // The announcement withdrawn: its page says so once the public list's
  // 15 s browser cache has passed.
  assert.equal((await api('POST', `/admin/announcements/${ann.json.id}/unpublish`, undefined, root)).status, 200)
  await page.goto('/announcements/' + ann.json.id)
  const gone = Date.now() + 25_000
  while (!(await page.getByText('公告已结束或不存在').isVisible())) {
    assert.ok(Date.now() < gone, 'the withdrawn announcement is still shown after 25 s')
    await new Promise((r) => setTimeout(r, 2000))
    await page.reload()
    await page.locator('.van-nav-bar').waitFor()
    await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' })
  }
})

test('H5：首页提示语与轮播图（系统配置 site.notice、home.banners）', async (h) => {
  const root = { Authorization: 'Bearer ' + (await tokenOf('admin@zuju.local')) }
  const set = async (key, value) => {
    const r = await api('PUT', `/admin/configs/${key}`, { value }, root)
    assert.equal(r.status, 200, `${key}: ` + JSON.stringify(r.json))
  }
  const notice = `期末考试周，部分活动暂停 ${Math.floor(Math.random() * 1e4)}`
  await set('site.notice', notice)
  await set('home.banners', [{ image_url: '/favicon.svg', link: '/clubs', title: '社团招新' }])
  try {
    const page = await h.newPage(MOBILE)
    await page.goto(BASE + '/')
    await page.locator('[data-site-notice]').getByText(notice).waitFor()
    await page.locator('[data-site-banners] a[aria-label="社团招新"]').first().waitFor()
    await shot(page, 'h5-home-site-notice')
    await page.locator('[data-site-banners] a[aria-label="社团招新"]').first().click()
    await page.waitForURL('**/clubs')
  } finally {
    await set('site.notice', '')
    await set('home.banners', [])
  }
})

await main()
