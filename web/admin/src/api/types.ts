// Names for the generated API types (src/api/schema.d.ts, from api/openapi.yaml
// by `npm run gen:api`). Import types from here, not from the schema directly.
import type { components, operations } from './schema'

type S = components['schemas']

export type User = S['UserDTO']
export type Tokens = S['TokensDTO']
export type Tag = S['TagDTO']
export type Problem = S['Problem']
export type AdminUser = S['AdminUserDTO']
export type AdminUserList = S['AdminListOutBody']
export type AuditEntry = S['Entry']
export type AuditList = S['AuditOutBody']
export type TagList = S['TagsOutBody']
export type TagBody = S['TagInBody']
export type TagPatch = S['TagPatchInBody']
export type BanBody = S['BanInBody']
export type UnbanBody = S['UnbanInBody']
export type LoginBody = S['LoginInBody']

export type UserQuery = NonNullable<operations['admin-list-users']['parameters']['query']>
export type AuditQuery = NonNullable<operations['admin-audit-logs']['parameters']['query']>

export type Role = 'user' | 'organizer' | 'moderator' | 'admin' | 'super_admin'

export type ActivityType = S['TypeDTO']
export type ActivityTypeList = S['TypesOutBody']
export type ActivityTypeBody = S['TypeInBody']
export type ActivityTypePatch = S['TypePatchInBody']

export type Activity = S['ActivityDTO']
export type ActivityStatus = Activity['status']
export type AdminActivityList = S['AdminActivitiesOutBody']
export type ActivityQuery = NonNullable<operations['admin-list-activities']['parameters']['query']>

export type AdminOrder = S['AdminOrderDTO']
export type OrderStatus = AdminOrder['status']
export type OrderKind = AdminOrder['kind']
export type AdminOrderList = S['AdminOrdersOutBody']
export type OrderQuery = NonNullable<operations['admin-list-orders']['parameters']['query']>
export type OrderFilterStatus = NonNullable<OrderQuery['status']>
export type Refund = S['RefundDTO']
export type RefundStatus = Refund['status']
export type RefundBody = S['AdminRefundInBody']

export type MembershipPlan = S['AdminPlanDTO']
export type MembershipPlanList = S['AdminPlansOutBody']
export type PlanBody = S['CreatePlanInBody']
export type PlanPatch = S['UpdatePlanInBody']

export type Club = S['ClubDTO']
export type ClubStatus = Club['status']
export type AdminClubList = S['AdminClubsOutBody']
export type ClubQuery = NonNullable<operations['admin-list-clubs']['parameters']['query']>
export type ClubCategory = S['ClubCategoryDTO']
export type ClubCategoryList = S['ClubCategoriesOutBody']
export type ClubCategoryBody = S['ClubCategoryInBody']
export type AdminClubCategory = S['ClubAdminCategoryDTO']
export type AdminClubCategoryList = S['ClubAdminCategoriesOutBody']

export type SensitiveWord = S['WordDTO']
export type WordAction = SensitiveWord['action']
export type SensitiveWordList = S['WordsOutBody']
export type SensitiveWordBody = S['WordInBody']

export type Post = S['PostDTO']
export type Comment = S['CommentDTO']
export type ModerationQueue = S['QueueOutBody']
export type ModerationKind = 'post' | 'comment'

export type StatsOverview = S['StatsOverview']
export type StatsDay = S['StatsDay']
export type StatsDaily = S['StatsDailyOutBody']
export type StatsQuery = NonNullable<operations['admin-stats-daily']['parameters']['query']>

export type ReportEntry = S['ReportQueueEntryDTO']
export type ReportTargetType = ReportEntry['target_type']
export type ReportReason = S['ReportReasonCountDTO']['reason']
export type ReportQueue = S['ReportQueueOutBody']
export type ReportQuery = NonNullable<operations['admin-list-reports']['parameters']['query']>
export type ReportStatus = NonNullable<ReportQuery['status']>
export type ReportResolveBody = S['ReportResolveInBody']
export type ReportAction = ReportResolveBody['action']
export type ReportResolution = S['ReportResolutionDTO']
export type ReportReasonLabel = S['ReportReasonDTO']
export type ReportReasonList = S['ReportReasonsOutBody']

export type Announcement = S['AdminAnnouncement']
export type AnnouncementStatus = Announcement['status']
export type AnnouncementAudience = Announcement['audience']
export type AnnouncementList = S['AdminAnnouncementsOutBody']
export type AnnouncementBody = S['AdminAnnouncementInput']
export type AnnouncementQuery = NonNullable<operations['admin-list-announcements']['parameters']['query']>

export type SystemConfig = S['AdminConfig']
export type ConfigType = SystemConfig['type']
export type SystemConfigList = S['AdminConfigsOutBody']
