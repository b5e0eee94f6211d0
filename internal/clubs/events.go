package clubs

import "time"

// Events of the clubs module. The store writes each one into the outbox
// (platform/outbox) in the transaction of the decision that causes it, so
// a decision that commits always has its event and a rolled-back one
// never does; the outbox relay publishes it afterwards (in process, or over
// RabbitMQ when scaled). Delivery is at least once: consumers (the
// notifications module) deduplicate on the message id.

// TopicReviewed is published once when staff approve or reject a pending
// club; it is addressed to the club's owner.
const TopicReviewed = "clubs.reviewed"

// ReviewedEvent is the payload of clubs.reviewed.
type ReviewedEvent struct {
	ClubID   string `json:"club_id"`
	ClubName string `json:"club_name"`
	// OwnerID is whom to tell: the club's owner.
	OwnerID  string `json:"owner_id"`
	Approved bool   `json:"approved"`
	// Status is the club's new status: active or rejected.
	Status Status `json:"status"`
	// Reason is the staff's reason (required for a rejection, optional
	// for an approval).
	Reason     string    `json:"reason,omitempty"`
	ReviewedAt time.Time `json:"reviewed_at"`
}

// TopicApplicationDecided is published once when officers approve or
// reject a join application; it is addressed to the applicant.
const TopicApplicationDecided = "clubs.application_decided"

// ApplicationDecidedEvent is the payload of clubs.application_decided.
type ApplicationDecidedEvent struct {
	ApplicationID string `json:"application_id"`
	ClubID        string `json:"club_id"`
	ClubName      string `json:"club_name"`
	// UserID is whom to tell: the applicant.
	UserID   string `json:"user_id"`
	Approved bool   `json:"approved"`
	// Status is the application's new status: approved or rejected.
	Status ApplicationStatus `json:"status"`
	// Reason is the officer's reason (required for a rejection).
	Reason    string    `json:"reason,omitempty"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
}

// TopicMemberBanned is published once per ban (a ban replacing an earlier
// one is a new ban); it is addressed to the banned user.
const TopicMemberBanned = "clubs.member_banned"

// MemberBannedEvent is the payload of clubs.member_banned.
type MemberBannedEvent struct {
	ClubID   string `json:"club_id"`
	ClubName string `json:"club_name"`
	// UserID is whom to tell: the banned user.
	UserID string `json:"user_id"`
	Reason string `json:"reason,omitempty"`
	// Until is the end of the ban; absent for a ban for good.
	Until *time.Time `json:"until,omitempty"`
	// WasMember tells whether the ban took them out of the club (a ban
	// may also keep out someone who only applied).
	WasMember bool      `json:"was_member"`
	BannedBy  string    `json:"banned_by"`
	BannedAt  time.Time `json:"banned_at"`
}

// TopicMemberLeft is published when a member leaves a club or an officer
// removes them (a ban is clubs.member_banned).
const TopicMemberLeft = "clubs.member_left"

// MemberLeftEvent is the payload of clubs.member_left.
type MemberLeftEvent struct {
	ClubID string `json:"club_id"`
	UserID string `json:"user_id"`
	// Removed is true when an officer took them out, false when they left.
	Removed bool      `json:"removed"`
	At      time.Time `json:"at"`
}
