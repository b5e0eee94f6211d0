import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from './stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** Needs a signed-in user. */
    auth?: boolean
    /** Login and register: a signed-in user is sent on. */
    guest?: boolean
    title?: string
  }
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    {
      path: '/',
      component: () => import('./layouts/TabLayout.vue'),
      children: [
        { path: '', name: 'home', component: () => import('./views/HomeView.vue'), meta: { title: '首页' } },
        { path: 'clubs', name: 'clubs', component: () => import('./views/ClubsView.vue'), meta: { title: '社团' } },
        { path: 'square', name: 'square', component: () => import('./views/SquareView.vue'), meta: { title: '广场' } },
        { path: 'chats', name: 'chats', component: () => import('./views/ChatsView.vue'), meta: { auth: true, title: '群聊' } },
        { path: 'me', name: 'me', component: () => import('./views/MeView.vue'), meta: { auth: true, title: '我的' } },
      ],
    },
    {
      path: '/clubs/new',
      name: 'club-new',
      component: () => import('./views/ClubFormView.vue'),
      meta: { auth: true, title: '创建社团' },
    },
    { path: '/clubs/:id', name: 'club', component: () => import('./views/ClubView.vue'), meta: { title: '社团' } },
    {
      path: '/clubs/:id/edit',
      name: 'club-edit',
      component: () => import('./views/ClubFormView.vue'),
      meta: { auth: true, title: '编辑社团' },
    },
    {
      path: '/clubs/:id/applications',
      name: 'club-applications',
      component: () => import('./views/ClubApplicationsView.vue'),
      meta: { auth: true, title: '入社申请' },
    },
    {
      path: '/clubs/:id/members',
      name: 'club-members',
      component: () => import('./views/ClubMembersView.vue'),
      meta: { auth: true, title: '成员管理' },
    },
    {
      path: '/posts/new',
      name: 'post-new',
      component: () => import('./views/PostFormView.vue'),
      meta: { auth: true, title: '发帖' },
    },
    { path: '/posts/:id', name: 'post', component: () => import('./views/PostView.vue'), meta: { title: '帖子详情' } },
    {
      path: '/me/posts',
      name: 'my-posts',
      component: () => import('./views/MyPostsView.vue'),
      meta: { auth: true, title: '我的帖子' },
    },
    {
      path: '/chats/:id',
      name: 'chat',
      component: () => import('./views/ChatRoomView.vue'),
      meta: { auth: true, title: '群聊' },
    },
    {
      path: '/me/edit',
      name: 'profile-edit',
      component: () => import('./views/ProfileEditView.vue'),
      meta: { auth: true, title: '编辑资料' },
    },
    {
      path: '/me/tags',
      name: 'tags',
      component: () => import('./views/TagsView.vue'),
      meta: { auth: true, title: '兴趣标签' },
    },
    {
      path: '/me/sessions',
      name: 'sessions',
      component: () => import('./views/SessionsView.vue'),
      meta: { auth: true, title: '登录设备' },
    },
    {
      path: '/me/phone',
      name: 'bind-phone',
      component: () => import('./views/BindPhoneView.vue'),
      meta: { auth: true, title: '绑定手机号' },
    },
    {
      path: '/activities/new',
      name: 'activity-new',
      component: () => import('./views/ActivityFormView.vue'),
      meta: { auth: true, title: '发起活动' },
    },
    {
      path: '/activities/:id',
      name: 'activity',
      component: () => import('./views/ActivityView.vue'),
      meta: { title: '活动详情' },
    },
    {
      path: '/activities/:id/signups',
      name: 'activity-signups',
      component: () => import('./views/ActivitySignupsView.vue'),
      meta: { auth: true, title: '报名名单' },
    },
    {
      path: '/activities/:id/check-in',
      name: 'activity-check-in',
      component: () => import('./views/CheckInView.vue'),
      meta: { auth: true, title: '现场签到' },
    },
    {
      path: '/me/signups',
      name: 'my-signups',
      component: () => import('./views/MySignupsView.vue'),
      meta: { auth: true, title: '我的报名' },
    },
    {
      path: '/me/activities',
      name: 'my-activities',
      component: () => import('./views/MyActivitiesView.vue'),
      meta: { auth: true, title: '我发起的活动' },
    },
    {
      path: '/me/membership',
      name: 'membership',
      component: () => import('./views/MembershipView.vue'),
      meta: { auth: true, title: '会员中心' },
    },
    {
      path: '/orders/:no/result',
      name: 'payment-result',
      component: () => import('./views/PaymentResultView.vue'),
      meta: { auth: true, title: '支付结果' },
    },
    {
      path: '/messages',
      name: 'messages',
      component: () => import('./views/MessagesView.vue'),
      meta: { auth: true, title: '消息' },
    },
    {
      path: '/announcements/:id',
      name: 'announcement',
      component: () => import('./views/AnnouncementView.vue'),
      meta: { title: '公告' },
    },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { guest: true, title: '登录' } },
    {
      path: '/register',
      name: 'register',
      component: () => import('./views/RegisterView.vue'),
      meta: { guest: true, title: '注册' },
    },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: '页面不存在' } },
  ],
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

router.beforeEach((to) => {
  const auth = useAuthStore()
  if (to.meta.auth && !auth.loggedIn) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.meta.guest && auth.loggedIn) {
    return safeRedirect(to.query.redirect) ?? { name: 'me' }
  }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 组局` : '组局'
})

/** Only same-app paths, never another origin. */
export function safeRedirect(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') ? v : undefined
}
