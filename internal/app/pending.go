package app

import (
	"github.com/zuju/zuju/internal/platform/httpx"
)

func mountWeb(*httpx.Server) {}
