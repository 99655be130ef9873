import { createRouter, createWebHistory } from 'vue-router'
import type { Role } from './api/types'
import { useAuthStore } from './stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    roles?: Role[]
  }
}

// Each screen is its own chunk: the login page loads none of the control room.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    {
      path: '/login',
      name: 'login',
      component: () => import('./views/login/LoginView.vue'),
      meta: { public: true },
    },
    {
      path: '/',
      component: () => import('./components/AppLayout.vue'),
      children: [
        { path: '', redirect: { name: 'sessions' } },
        {
          path: 'sessions',
          name: 'sessions',
          component: () => import('./views/sessions/SessionsView.vue'),
        },
        {
          path: 'sessions/:id(\\d+)/control',
          name: 'control-room',
          component: () => import('./views/control-room/ControlRoomView.vue'),
          props: (r) => ({ session_id: Number(r.params.id) }),
        },
        {
          path: 'sessions/:id(\\d+)/cameras',
          name: 'cameras',
          component: () => import('./views/cameras/CamerasView.vue'),
          props: (r) => ({ session_id: Number(r.params.id) }),
        },
        {
          path: 'sessions/:id(\\d+)/questions',
          name: 'questions',
          component: () => import('./views/questions/QuestionsView.vue'),
          props: (r) => ({ session_id: Number(r.params.id) }),
        },
        {
          path: 'card',
          name: 'card',
          component: () => import('./views/card/CardView.vue'),
        },
        {
          path: ':rest(.*)*',
          name: 'not-found',
          component: () => import('./views/NotFoundView.vue'),
        },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.checked) await auth.refresh()
  if (to.meta.public) {
    if (to.name === 'login' && auth.user) return { name: 'sessions' }
    return true
  }
  if (!auth.user) return { name: 'login', query: { next: to.fullPath } }
  return true
})
