// Package web holds the two browser front ends, built into the binary:
// the mobile H5 app (web/app, served at /) and the admin console
// (web/admin, served at /admin/).
//
// Both are Vite projects; `npm ci && npm run build` in each folder writes its
// dist folder, which is embedded here. Until then the folders hold only a
// .gitkeep, so `go build` works without Node; Built reports whether a real
// build is present.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:app/dist
var appDist embed.FS

//go:embed all:admin/dist
var adminDist embed.FS

// App is the built H5 app, rooted at its dist folder (index.html, assets/…).
func App() fs.FS { return sub(appDist, "app/dist") }

// Admin is the built admin console, rooted at its dist folder. Its pages
// expect to be served under /admin/.
func Admin() fs.FS { return sub(adminDist, "admin/dist") }

// Built reports whether fsys holds a built front end (an index.html at its root).
func Built(fsys fs.FS) bool {
	if fsys == nil {
		return false
	}
	st, err := fs.Stat(fsys, "index.html")
	return err == nil && !st.IsDir()
}

func sub(f embed.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		// Unreachable: dir is a literal embedded above.
		panic(err)
	}
	return s
}
