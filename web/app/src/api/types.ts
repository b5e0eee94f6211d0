// Names for the generated API types (src/api/schema.d.ts, from api/openapi.yaml
// by `npm run gen:api`). Import types from here, not from the schema directly.
import type { components, operations } from './schema'

type S = components['schemas']

export type User = S['UserDTO']
export type Tokens = S['TokensDTO']
export type Tag = S['TagDTO']
export type Membership = S['MembershipDTO']
export type PublicUser = S['PublicUserDTO']
export type Problem = S['Problem']
export type Gender = User['gender']

export type RegisterBody = S['RegisterInBody']
export type LoginBody = S['LoginInBody']
export type SendCodeBody = S['SendCodeInBody']
export type SendCodeResult = S['SendCodeOutBody']
export type SmsPurpose = SendCodeBody['purpose']
export type SmsLoginBody = S['SmsLoginInBody']
export type UpdateMeBody = S['UpdateMeInBody']
export type TagList = S['TagsOutBody']
export type Session = S['SessionDTO']
export type SessionList = S['SessionsOutBody']
export type BindPhoneBody = S['BindPhoneInBody']

export type Activity = S['ActivityDTO']
export type ActivityStatus = Activity['status']
export type ActivityList = S['ListOutBody']
export type ActivityQuery = NonNullable<operations['list-activities']['parameters']['query']>
export type ActivityDraft = S['DraftBody']
export type ActivityType = S['TypeDTO']
export type ActivityTypeList = S['TypesOutBody']
export type Signup = S['SignupDTO']
export type SignupStatus = Signup['status']
export type SignupList = S['MySignupsOutBody']
export type MySignup = S['MySignupDTO']
export type SignUpResult = S['SignUpOutBody']
export type Participant = S['ParticipantDTO']
export type ParticipantList = S['ParticipantsOutBody']
export type ActivityPerson = S['ActivityPersonDTO']
export type ActivityTag = S['ActivityTagDTO']

export type Order = S['OrderDTO']
export type OrderStatus = Order['status']
export type OrderKind = Order['kind']
export type SignupOrder = S['SignupOrderDTO']
export type PayChannel = S['PayInBody']['channel']
export type PayResult = S['PayOutBody']
export type WechatPayParams = S['RequestPayment']
export type MembershipPlan = S['PlanDTO']
export type MembershipPlanList = S['PlansOutBody']

export type ChatRoom = S['RoomDTO']
export type ChatRoomList = S['RoomsOutBody']
/** `sender` is null for system messages (the spec does not say it is nullable). */
export type ChatMessage = S['MessageDTO']
export type ChatMessageKind = ChatMessage['kind']
export type ChatHistory = S['HistoryOutBody']
export type ChatPerson = S['PersonDTO']
export type ChatMember = S['MemberDTO']
export type ChatMemberRole = ChatMember['role']
export type ChatMemberList = S['MembersOutBody']
export type ChatMuteResult = S['MuteOutBody']
export type ChatReportResult = S['ReportOutBody']
export type ChatTicket = S['TicketOutBody']

// Club alliance (社团联盟): clubs, applications, members, calendar.
export type Club = S['ClubDTO']
export type ClubStatus = Club['status']
export type ClubRole = S['ClubMemberDTO']['role']
export type ClubList = S['ClubDirectoryOutBody']
export type ClubQuery = NonNullable<operations['list-clubs']['parameters']['query']>
export type ClubSort = NonNullable<ClubQuery['sort']>
export type ClubCategory = S['ClubCategoryDTO']
export type ClubCategoryList = S['ClubCategoriesOutBody']
export type ClubCreateBody = S['ClubCreateInBody']
export type ClubPatchBody = S['ClubPatchInBody']
export type ClubPerson = S['ClubPersonDTO']
export type ClubMember = S['ClubMemberDTO']
export type ClubBan = S['ClubBanDTO']
export type ClubBanBody = S['ClubBanInBody']
export type ClubBanList = S['ClubBansOutBody']
export type ClubMemberList = S['ClubMembersOutBody']
export type ClubApplication = S['ClubApplicationDTO']
export type ClubApplicationStatus = ClubApplication['status']
export type ClubApplicationList = S['ClubApplicationsOutBody']
export type ClubApplyBody = S['ClubApplyInBody']
export type CalendarEntry = S['CalendarEntryDTO']
export type ClubCalendar = S['ClubCalendarOutBody']

// Posts: the square and club boards. `favorited` is optional here so that
// the app builds against a spec that does not list post favorites yet.
export type Post = Omit<S['PostDTO'], 'favorited'> & { favorited?: boolean }
export type PostStatus = Post['status']
export type PostList = { items: Post[] | null; next_cursor: string | null }
export type PostSort = NonNullable<NonNullable<operations['list-posts']['parameters']['query']>['sort']>
export type PostCreateBody = S['PostCreateInBody']
export type PostFlags = S['PostFlagsInBody']
export type PostAuthor = S['AuthorDTO']
export type Comment = S['CommentDTO']
export type CommentList = S['CommentsOutBody']

export type AppNotification = S['NotificationDTO']
export type NotificationType = AppNotification['type']
export type NotificationList = S['NotifListOutBody']
export type NotificationMarkResult = S['NotifMarkOutBody']
export type UnreadCount = S['NotifUnreadOutBody']
export type Announcement = S['AdminPublicAnnouncement']
export type AnnouncementList = S['AdminPublicAnnouncementsOutBody']
export type Site = S['SiteOutBody']
export type SiteBanner = S['SiteBanner']
