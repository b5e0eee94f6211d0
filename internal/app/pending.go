package app

import (
	"context"

	"github.com/zuju/zuju/internal/platform/httpx"
)

func (a *App) openBackground(ctx context.Context) error { return nil }

func mountWeb(*httpx.Server) {}
