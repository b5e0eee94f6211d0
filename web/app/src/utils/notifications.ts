import type { NotificationType } from '../api'

/** The icon and its colour for a kind of notification. */
export function noticeIcon(t: NotificationType | string): { name: string; color: string } {
  switch (t) {
    case 'activity_formed':
    case 'activity_reminder':
      return { name: 'flag-o', color: '#ff6b35' }
    case 'activity_cancelled':
      return { name: 'close', color: '#f53f3f' }
    case 'waitlist_offered':
      return { name: 'clock-o', color: '#ff7d00' }
    case 'payment_succeeded':
    case 'refund_succeeded':
    case 'refund_failed':
      return { name: 'balance-o', color: '#00b42a' }
    case 'application_approved':
    case 'application_rejected':
    case 'club_approved':
    case 'club_rejected':
    case 'club_banned':
      return { name: 'cluster-o', color: '#3370ff' }
    case 'content_approved':
    case 'content_rejected':
      return { name: 'notes-o', color: '#722ed1' }
    case 'report_resolved':
    case 'content_actioned':
      return { name: 'shield-o', color: '#86909c' }
    case 'announcement':
      return { name: 'volume-o', color: '#ff6b35' }
    default:
      return { name: 'bell', color: '#86909c' }
  }
}

/** A notification's link when it is a page of this app ('' otherwise). */
export function appLink(link: string | null | undefined): string {
  return link && link.startsWith('/') && !link.startsWith('//') ? link : ''
}
