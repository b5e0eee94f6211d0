import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { onAuthLost } from './api'
import { useAuthStore } from './stores/auth'
import './styles.css'

const app = createApp(App)
app.use(createPinia())
app.use(router)

// The session ended (refresh token expired, revoked or reused): back to login.
onAuthLost(() => {
  useAuthStore().reset()
  const cur = router.currentRoute.value
  if (cur.name === 'login') return
  router.replace({ name: 'login', query: { redirect: cur.fullPath } })
})

app.mount('#app')
