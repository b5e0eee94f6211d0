import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from './stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** Needs a signed-in staff member (moderator, admin, super admin). */
    staff?: boolean
    /** For admins and super admins only: moderators see a notice instead (AdminLayout). */
    admin?: boolean
    title?: string
  }
}

export const router = createRouter({
  // Served under /admin/ (vite base), so the history base follows it.
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { title: '登录' } },
    {
      path: '/forbidden',
      name: 'forbidden',
      component: () => import('./views/ForbiddenView.vue'),
      meta: { title: '无权访问' },
    },
    {
      path: '/',
      component: () => import('./layouts/AdminLayout.vue'),
      meta: { staff: true },
      children: [
        { path: '', redirect: { name: 'users' } },
        {
          path: 'stats',
          name: 'stats',
          component: () => import('./views/StatsView.vue'),
          meta: { staff: true, admin: true, title: '数据统计' },
        },
        { path: 'users', name: 'users', component: () => import('./views/UsersView.vue'), meta: { staff: true, title: '用户管理' } },
        {
          path: 'activities',
          name: 'activities',
          component: () => import('./views/ActivitiesView.vue'),
          meta: { staff: true, title: '活动' },
        },
        {
          path: 'orders',
          name: 'orders',
          component: () => import('./views/OrdersView.vue'),
          meta: { staff: true, admin: true, title: '订单' },
        },
        {
          path: 'membership-plans',
          name: 'membership-plans',
          component: () => import('./views/MembershipPlansView.vue'),
          meta: { staff: true, admin: true, title: '会员套餐' },
        },
        { path: 'tags', name: 'tags', component: () => import('./views/TagsView.vue'), meta: { staff: true, title: '兴趣标签' } },
        {
          path: 'activity-types',
          name: 'activity-types',
          component: () => import('./views/ActivityTypesView.vue'),
          meta: { staff: true, title: '活动类型' },
        },
        { path: 'clubs', name: 'clubs', component: () => import('./views/ClubsView.vue'), meta: { staff: true, title: '社团审核' } },
        {
          path: 'club-categories',
          name: 'club-categories',
          component: () => import('./views/ClubCategoriesView.vue'),
          meta: { staff: true, title: '社团分类' },
        },
        {
          path: 'moderation',
          name: 'moderation',
          component: () => import('./views/ModerationView.vue'),
          meta: { staff: true, title: '内容审核' },
        },
        {
          path: 'reports',
          name: 'reports',
          component: () => import('./views/ReportsView.vue'),
          meta: { staff: true, title: '举报处理' },
        },
        {
          path: 'announcements',
          name: 'announcements',
          component: () => import('./views/AnnouncementsView.vue'),
          meta: { staff: true, title: '公告管理' },
        },
        {
          path: 'configs',
          name: 'configs',
          component: () => import('./views/ConfigsView.vue'),
          meta: { staff: true, title: '系统配置' },
        },
        {
          path: 'sensitive-words',
          name: 'sensitive-words',
          component: () => import('./views/SensitiveWordsView.vue'),
          meta: { staff: true, title: '敏感词' },
        },
        {
          path: 'audit-logs',
          name: 'audit-logs',
          component: () => import('./views/AuditLogsView.vue'),
          meta: { staff: true, title: '审计日志' },
        },
        {
          path: ':rest(.*)*',
          name: 'not-found',
          component: () => import('./views/NotFoundView.vue'),
          meta: { staff: true, title: '页面不存在' },
        },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (to.name === 'login') {
    if (auth.loggedIn && (await auth.ensureUser()) && auth.staff) return safeRedirect(to.query.redirect) ?? '/'
    return true
  }
  if (!auth.loggedIn) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  const user = await auth.ensureUser()
  if (!auth.loggedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (to.meta.staff && user && !auth.staff) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 组局管理后台` : '组局管理后台'
})

/** Only paths inside the console, never another origin. */
export function safeRedirect(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') ? v : undefined
}
