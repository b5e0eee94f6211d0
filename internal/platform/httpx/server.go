// Package httpx builds Zuju's HTTP stack: Gin with huma on top, RFC 9457
// problem errors with stable codes, request ids, JSON access logs, panic
// recovery, CORS, request text checks (UTF-8 without NUL), body limits,
// gzip, Prometheus metrics, health endpoints and graceful shutdown.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"
	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zuju/zuju/internal/platform/reqctx"
)

// APIPrefix is the path prefix of the versioned API.
const APIPrefix = "/api/v1"

// Options configure the HTTP stack.
type Options struct {
	Title          string
	Version        string
	Logger         *slog.Logger
	CORSOrigins    []string
	TrustedProxies []string
	// MaxBodyBytes caps every request body (uploads set their own, larger,
	// limit per operation up to UploadMaxBytes).
	MaxBodyBytes   int64
	UploadMaxBytes int64
	// Docs, when it holds an index.html, is served at /docs (with its files
	// under /docs/assets/) instead of huma's page that loads a renderer from
	// a CDN, so the docs work without internet.
	Docs fs.FS
	// Authenticate resolves bearer tokens; nil means no caller is ever signed in.
	Authenticate Authenticator
}

// Server is the assembled HTTP stack.
type Server struct {
	Engine *gin.Engine
	// API is the huma API rooted at /api/v1; register operations on it.
	API      huma.API
	root     huma.API
	logger   *slog.Logger
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	mu     sync.Mutex
	checks map[string]func(context.Context) error
}

var setupOnce sync.Once

// New builds the engine with its middleware and the platform endpoints.
func New(opts Options) (*Server, error) {
	setupOnce.Do(func() {
		gin.SetMode(gin.ReleaseMode)
		installErrorModel()
	})
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.UploadMaxBytes < opts.MaxBodyBytes {
		opts.UploadMaxBytes = 8 << 20
	}
	s := &Server{
		Engine:   gin.New(),
		logger:   opts.Logger,
		registry: prometheus.NewRegistry(),
		checks:   map[string]func(context.Context) error{},
	}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zuju_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"method", "route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zuju_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route"})
	s.registry.MustRegister(s.requests, s.latency)

	e := s.Engine
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	if err := e.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	// Recovery runs inside the access log so that panics are logged and
	// counted as the 500s they answer with.
	e.Use(s.requestContext(), s.accessLog(), s.recovery())
	if len(opts.CORSOrigins) > 0 {
		cc := cors.Config{
			AllowMethods:     []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
			AllowHeaders:     []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"},
			ExposeHeaders:    []string{"X-Request-ID", "Retry-After"},
			AllowCredentials: false,
			MaxAge:           12 * time.Hour,
		}
		if len(opts.CORSOrigins) == 1 && opts.CORSOrigins[0] == "*" {
			cc.AllowAllOrigins = true
		} else {
			cc.AllowOrigins = opts.CORSOrigins
		}
		e.Use(cors.New(cc))
	}
	e.Use(validText())
	e.Use(bodyLimit(opts.MaxBodyBytes, opts.UploadMaxBytes))
	e.Use(authenticate(opts.Authenticate))
	e.NoRoute(func(c *gin.Context) { WriteProblem(c, http.StatusNotFound, "") })
	e.NoMethod(func(c *gin.Context) { WriteProblem(c, http.StatusMethodNotAllowed, "") })

	cfg := huma.DefaultConfig(opts.Title, opts.Version)
	cfg.Info.Description = "Zuju (组局) — offline meetups and university clubs. Errors are RFC 9457 problem documents with a stable `code`."
	cfg.CreateHooks = nil // no $schema links in every response
	cfg.OpenAPIPath = "/openapi"
	formats := make(map[string]huma.Format, len(cfg.Formats))
	for ct, f := range cfg.Formats {
		if strings.Contains(ct, "json") {
			f = jsonFormat()
		}
		formats[ct] = f
	}
	cfg.Formats = formats
	cfg.DocsPath = "/docs"
	selfDocs := opts.Docs != nil && hasIndex(opts.Docs)
	if selfDocs {
		cfg.DocsPath = ""
	}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	s.root = humagin.New(e, cfg)
	s.API = huma.NewGroup(s.root, APIPrefix)

	if selfDocs {
		serveDocs(e, opts.Docs)
	}
	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	return s, nil
}

// Registry is the Prometheus registry of this server; modules add their
// own collectors to it.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// OpenAPI returns the generated OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.root.OpenAPI() }

// AddReadiness registers a dependency check for /readyz.
func (s *Server) AddReadiness(name string, check func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = check
}

func (s *Server) ready(c *gin.Context) {
	s.mu.Lock()
	checks := make(map[string]func(context.Context) error, len(s.checks))
	for k, v := range s.checks {
		checks[k] = v
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	result := map[string]string{}
	ok := true
	for name, check := range checks {
		if err := check(ctx); err != nil {
			ok = false
			result[name] = "down"
			s.logger.Warn("readiness check failed", "check", name, "err", err)
		} else {
			result[name] = "up"
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	c.JSON(status, gin.H{"status": map[bool]string{true: "ready", false: "not_ready"}[ok], "checks": result})
}

// Handler returns the full handler with gzip compression.
func (s *Server) Handler() http.Handler {
	gz, err := gzhttp.NewWrapper(gzhttp.MinSize(1024))
	if err != nil {
		return s.Engine
	}
	return gz(s.Engine)
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) requestContext() gin.HandlerFunc {
	return func(c *gin.Context) {
		rid := c.GetHeader("X-Request-ID")
		if !requestIDPattern.MatchString(rid) {
			rid = newRequestID()
		}
		c.Header("X-Request-ID", rid)
		c.Header("X-Content-Type-Options", "nosniff")
		ctx := reqctx.With(c.Request.Context(), reqctx.Info{
			RequestID: rid,
			ClientIP:  c.ClientIP(),
			UserAgent: strings.ToValidUTF8(c.Request.UserAgent(), "\uFFFD"),
		})
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		d := time.Since(start)
		s.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
		s.latency.WithLabelValues(c.Request.Method, route).Observe(d.Seconds())
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("request_id", reqctx.From(c.Request.Context()).RequestID),
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Int("bytes", c.Writer.Size()),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.String("ip", reqctx.From(c.Request.Context()).ClientIP),
		}
		if len(c.Errors) > 0 {
			attrs = append(attrs, slog.String("err", c.Errors.String()))
		}
		s.logger.LogAttrs(c.Request.Context(), level, "http request", attrs...)
	}
}

func (s *Server) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(r)
				}
				s.logger.Error("panic", "request_id", reqctx.From(c.Request.Context()).RequestID,
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					WriteProblem(c, http.StatusInternalServerError, "")
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// bodyLimit rejects bodies above the limit — max for JSON and other
// bodies, uploadMax for multipart uploads: at once when Content-Length says
// so, otherwise when reading passes the limit.
func bodyLimit(jsonMax, uploadMax int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		max := jsonMax
		if strings.HasPrefix(c.ContentType(), "multipart/") {
			max = uploadMax
		}
		if c.Request.ContentLength > max {
			WriteProblem(c, http.StatusRequestEntityTooLarge, "")
			c.Abort()
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}

// WriteProblem writes a problem document for a status raised outside huma.
func WriteProblem(c *gin.Context, status int, msg string) {
	p := ProblemFor(reqctx.From(c.Request.Context()).RequestID, status, msg)
	WriteProblemDoc(c, p)
}

// WriteProblemDoc writes p.
func WriteProblemDoc(c *gin.Context, p *Problem) {
	b, _ := json.Marshal(p)
	c.Data(p.Status, "application/problem+json", b)
}

// Serve runs srv on ln until ctx ends, then shuts down gracefully: the
// listener closes, in-flight requests get up to grace to finish.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

func hasIndex(fsys fs.FS) bool {
	st, err := fs.Stat(fsys, "index.html")
	return err == nil && !st.IsDir()
}

// serveDocs serves a self-contained docs page at /docs.
func serveDocs(e *gin.Engine, fsys fs.FS) {
	index, _ := fs.ReadFile(fsys, "index.html")
	e.GET("/docs", func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	})
	assets, err := fs.Sub(fsys, "assets")
	if err != nil {
		return
	}
	files := http.FileServer(http.FS(assets))
	e.GET("/docs/assets/*path", func(c *gin.Context) {
		if st, err := fs.Stat(assets, strings.TrimPrefix(c.Param("path"), "/")); err != nil || st.IsDir() {
			WriteProblem(c, http.StatusNotFound, "")
			return
		}
		c.Header("Cache-Control", "public, max-age=86400")
		c.Request.URL.Path = c.Param("path")
		files.ServeHTTP(c.Writer, c.Request)
	})
}
