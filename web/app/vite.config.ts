import { posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, searchForWorkspaceRoot, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'

// The H5 app is served by the Go server at "/" (web.App()).
// `npm run dev` proxies the API to a local `zuju serve` (ZUJU_DEV_API to change it).
const api = process.env.ZUJU_DEV_API || 'http://127.0.0.1:8080'

// Vite empties dist/ before a build; put back the committed placeholder that
// lets `go build` embed the folder before any front-end build.
const keepPlaceholder: Plugin = {
  name: 'zuju-keep-gitkeep',
  apply: 'build',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: '.gitkeep', source: '' })
  },
}

// Vant ships its icon font as a data: URI with a fallback on a third-party CDN.
// The server's Content-Security-Policy allows fonts from 'self' only, so write
// the font out as a hashed asset file and drop the remote fallback.
const selfHostedFonts: Plugin = {
  name: 'zuju-self-hosted-fonts',
  apply: 'build',
  enforce: 'post',
  generateBundle(_options, bundle) {
    const dataFont = /url\((['"]?)data:font\/(woff2?|ttf|otf)(?:;charset=[^;,]+)?;base64,([A-Za-z0-9+/=]+)\1\)/g
    const remoteFont = /,\s*url\((['"]?)(?:https?:)?\/\/[^)]*\1\)\s*format\((['"]?)[\w-]+\2\)/g
    for (const file of Object.values(bundle)) {
      if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue
      const css = typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source)
      if (!css.includes('data:font/') && !remoteFont.test(css)) continue
      remoteFont.lastIndex = 0
      file.source = css
        .replace(dataFont, (_m, _q, ext: string, b64: string) => {
          const ref = this.emitFile({ type: 'asset', name: `icons.${ext}`, source: Buffer.from(b64, 'base64') })
          return `url(${posix.relative(posix.dirname(file.fileName), this.getFileName(ref))})`
        })
        .replace(remoteFont, '')
    }
  },
}

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Vant components (and their styles) are imported where they are used.
    Components({ resolvers: [VantResolver()], dts: 'src/components.d.ts' }),
    keepPlaceholder,
    selfHostedFonts,
  ],
  server: {
    port: 5173,
    // ws: the chat's WebSocket (/api/v1/chat/ws) goes through the proxy too.
    proxy: { '/api': { target: api, ws: true }, '/files': api },
    // ../shared (the API client) lies outside this project.
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), fileURLToPath(new URL('../shared', import.meta.url))] },
  },
  build: {
    target: 'es2020',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
})
