package users

import "time"

// Topics of the events the users module publishes (through the outbox, in
// the transaction of the change).
const (
	TopicBanned       = "users.banned"
	TopicUnbanned     = "users.unbanned"
	TopicRolesChanged = "users.roles_changed"
)

// AccountEvent is the payload of every users.* event.
type AccountEvent struct {
	UserID string `json:"user_id"`
	// Until is the end of a ban (nil: permanent); set on users.banned.
	Until  *time.Time `json:"until,omitempty"`
	Reason string     `json:"reason,omitempty"`
	// Roles are the account's roles after a users.roles_changed.
	Roles []string `json:"roles,omitempty"`
}
