package app

import (
	"crypto/hmac"
	"crypto/sha256"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/config"
)

// checkInSettings derives the key that signs check-in codes from the JWT
// secret (as userSettings derives the SMS code key), so every replica
// verifies the codes every other one issued. The window opens
// config.CheckInOpensBefore the start, the shortest cancel cutoff the
// configuration accepts.
func (a *App) checkInSettings() activities.CheckInSettings {
	m := hmac.New(sha256.New, []byte(a.Config.JWTSecret))
	m.Write([]byte("zuju check-in codes"))
	return activities.CheckInSettings{Key: m.Sum(nil), OpensBefore: config.CheckInOpensBefore}
}
