import { fileURLToPath } from 'node:url'
import { defineConfig, searchForWorkspaceRoot, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// The admin console is served by the Go server under /admin/ (web.Admin()).
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
  base: '/admin/',
  plugins: [
    vue(),
    // Element Plus components (and their styles) are imported where they are used.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: 'src/components.d.ts' }),
    keepPlaceholder,
  ],
  server: {
    port: 5174,
    proxy: { '/api': api, '/files': api },
    // ../shared (the API client) lies outside this project.
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), fileURLToPath(new URL('../shared', import.meta.url))] },
  },
  build: {
    target: 'es2020',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        // Keep the UI library in its own long-cached chunk.
        manualChunks(id: string) {
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (id.includes('node_modules/')) return 'vendor'
          return undefined
        },
      },
    },
  },
})
