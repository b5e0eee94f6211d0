package app

import (
	"crypto/hmac"
	"crypto/sha256"

	"github.com/zuju/zuju/internal/activities"
)

// checkInSettings derives the key that signs check-in codes from the JWT
// secret (as userSettings derives the SMS code key), so every replica
// verifies the codes every other one issued.
func (a *App) checkInSettings() activities.CheckInSettings {
	m := hmac.New(sha256.New, []byte(a.Config.JWTSecret))
	m.Write([]byte("zuju check-in codes"))
	return activities.CheckInSettings{Key: m.Sum(nil), OpensBefore: activities.DefaultCheckInOpensBefore}
}
