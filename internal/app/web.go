package app

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zuju/zuju/internal/platform/httpx"
	"github.com/zuju/zuju/web"
)

// notBuilt is served when the binary was built without the web apps.
const notBuilt = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Zuju 组局</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.6">
<h1>组局 Zuju</h1><p>服务已启动，但这个程序构建时没有包含网页前端。请在源码目录运行 <code>make run</code>（或 <code>make build</code>）。</p>
<p>The API is running: <a href="/docs">/docs</a> · <a href="/healthz">/healthz</a></p></body></html>`

// spa serves a built single-page app: files as they are (hashed assets
// cached for good), every other path gets index.html so the client router
// can take it.
type spa struct {
	fsys   fs.FS
	prefix string
	built  bool
}

func (s spa) serve(c *gin.Context) {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		httpx.WriteProblem(c, http.StatusNotFound, "")
		return
	}
	if !s.built {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(notBuilt))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(c.Request.URL.Path, s.prefix)), "/")
	if name == "" || name == "." {
		name = "index.html"
	}
	data, err := fs.ReadFile(s.fsys, name)
	if err != nil {
		if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" && name != "index.html" {
			httpx.WriteProblem(c, http.StatusNotFound, "")
			return
		}
		name = "index.html"
		if data, err = fs.ReadFile(s.fsys, name); err != nil {
			httpx.WriteProblem(c, http.StatusNotFound, "")
			return
		}
	}
	if strings.HasPrefix(name, "assets/") {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	if name == "index.html" {
		c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
		c.Header("X-Frame-Options", "DENY")
	}
	http.ServeContent(c.Writer, c.Request, name, time.Time{}, bytes.NewReader(data))
}

// mountWeb serves the admin console at /admin/ and the H5 app at /; API
// paths that match nothing stay problem+json 404s.
func mountWeb(s *httpx.Server) {
	app, admin := web.App(), web.Admin()
	appSPA := spa{fsys: app, prefix: "/", built: web.Built(app)}
	adminSPA := spa{fsys: admin, prefix: "/admin/", built: web.Built(admin)}
	s.Engine.GET("/admin", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/admin/") })
	s.Engine.GET("/admin/*path", adminSPA.serve)
	s.Engine.HEAD("/admin/*path", adminSPA.serve)
	s.Engine.NoRoute(func(c *gin.Context) {
		p := c.Request.URL.Path
		if strings.HasPrefix(p, "/api/") || p == "/api" || strings.HasPrefix(p, "/files/") {
			httpx.WriteProblem(c, http.StatusNotFound, "")
			return
		}
		appSPA.serve(c)
	})
}
