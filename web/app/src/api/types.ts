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
