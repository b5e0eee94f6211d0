package web

import (
	"embed"
	"io/fs"
)

//go:embed all:docs/dist
var docsDist embed.FS

// Docs is the self-hosted API docs page (Swagger UI reading /openapi.json),
// rooted at its dist folder; Built(Docs()) is false until `npm run build`
// in web/docs has run.
func Docs() fs.FS { return sub(docsDist, "docs/dist") }
