import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './styles.css'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { set_unauthorized_handler } from './api/client'
import { useAuthStore } from './stores/auth'
import { useEventsStore } from './stores/events'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

// Any 401 (a restart forgot the login, or it timed out): back to the login
// page, which brings the user back here afterwards, without a page reload.
set_unauthorized_handler(() => {
  useAuthStore(pinia).forget()
  useEventsStore(pinia).stop()
  const current = router.currentRoute.value
  if (current.name !== 'login')
    void router.replace({ name: 'login', query: { next: current.fullPath, expired: '1' } })
})

app.mount('#app')
