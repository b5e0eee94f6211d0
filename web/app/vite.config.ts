import { defineConfig, type Plugin } from 'vite'
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

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Vant components (and their styles) are imported where they are used.
    Components({ resolvers: [VantResolver()], dts: 'src/components.d.ts' }),
    keepPlaceholder,
  ],
  server: {
    port: 5173,
    proxy: { '/api': api, '/files': api },
  },
  build: {
    target: 'es2020',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
})
