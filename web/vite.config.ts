import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// The console is served by courtcast itself (same origin as the API), so the
// dev server only proxies to a running courtcast (COURTCAST_URL).
const backend = process.env.COURTCAST_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus on demand: each screen pulls only the components (and
    // their CSS) it uses, which keeps the login page's first load small.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  define: {
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    target: 'es2020',
    // No inline <script> or module-preload polyfill: the server's CSP is
    // script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    // Two pages: the console (index.html) and the public watch page
    // (watch.html), which shares none of the console's code but Vue.
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        watch: fileURLToPath(new URL('./watch.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: backend, ws: true },
      '/live': { target: backend },
    },
  },
})
