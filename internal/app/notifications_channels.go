package app

import (
	"log/slog"

	"github.com/zuju/zuju/internal/notifications"
)

// notificationSenders are the configured email and WeChat channels.
func (a *App) notificationSenders(_ *slog.Logger) map[notifications.Channel]notifications.Sender {
	return map[notifications.Channel]notifications.Sender{}
}
