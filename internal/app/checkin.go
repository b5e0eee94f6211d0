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
	return activities.CheckInSettings{Key: deriveKey([]byte(a.Config.JWTSecret), "zuju check-in codes"), OpensBefore: config.CheckInOpensBefore}
}

// deriveKey derives a key for one purpose from the JWT secret, so each
// purpose has its own key and every replica derives the same one.
func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
