// Package app is the composition root: it builds every module for the
// chosen drivers (single binary or scaled out) and runs them.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/admin/adminstore"
	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatws"
	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/moderation"
	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/membership"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/cache"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/files"
	"github.com/zuju/zuju/internal/platform/httpx"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/ratelimit"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/platform/wechat"
	"github.com/zuju/zuju/internal/posts"
	"github.com/zuju/zuju/internal/users"
	"github.com/zuju/zuju/internal/users/usershttp"
	"github.com/zuju/zuju/internal/users/usersstore"
	"github.com/zuju/zuju/web"
)

// Version is the build version, set by the linker.
var Version = "dev"

// App is one assembled Zuju process.
type App struct {
	Config config.Config
	Logger *slog.Logger
	DB     *sqldb.DB
	HTTP   *httpx.Server
	Users  *users.Service
	// Activities is the meetups module.
	Activities *activities.Service
	// Payments runs orders and refunds; Members sells memberships.
	Payments *payments.Service
	Members  *membership.Service
	// Admin runs announcements, system configs, statistics and the audit
	// log reader.
	Admin      *admin.Service
	adminStore *adminstore.Store
	// Chat runs the rooms of formed activities; ChatHub its live
	// connections.
	// Moderation is the sensitive-word filter of every text people write.
	Moderation *moderation.Service
	// Posts are the square and the club boards.
	Posts *posts.Service
	// Clubs is the club alliance.
	Clubs    *clubs.Service
	Chat     *chat.Service
	ChatHub  *chatws.Hub
	ChatGate *chatws.Gate
	Bus      *events.Bus
	Jobs     *jobs.Queue
	Now      func() time.Time

	// Notifications is the inbox and the deliveries by SMS, email and WeChat.
	Notifications *notifications.Service

	redis   *redis.Client
	cache   cache.Cache // the shared cache (memory or Redis)
	closers []func() error
	workers []worker
	relay   *outbox.Relay
	// shared by the modules that take uploads
	files   users.FileStore
	limiter users.Limiter
	// wechat is the mini program client (nil when not configured)
	wechat *wechat.MiniProgram
}

// worker is a background component started with the server and stopped
// after it.
type worker struct {
	name  string
	start func(ctx context.Context) error
	stop  func(ctx context.Context) error
}

// Options adjust how the app is built (tests inject clocks and fakes).
type Options struct {
	Now        func() time.Time
	HTTPClient *http.Client
	// SMS replaces the configured SMS sender.
	SMS users.SMSSender
	// Members replaces the membership check of activities (tests make
	// people members without buying).
	Members activities.Members
	// Payments replaces the payments module as the activities module's
	// order port (tests pass a double).
	Payments activities.Payments
	// AnnouncePage is how many accounts one page of an announcement's
	// inbox fan-out notifies (0: 200).
	AnnouncePage int
}

// New opens the database (applying migrations), connects the configured
// servers and builds every module.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, opts Options) (*App, error) {
	a := &App{Config: cfg, Logger: logger, Now: opts.Now}
	if a.Now == nil {
		a.Now = time.Now
	}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	if err := a.openStorage(ctx); err != nil {
		return nil, err
	}
	if err := a.DB.Migrate(ctx, logger, Migrations()...); err != nil {
		return nil, err
	}
	c, lim, err := a.openSharedState(ctx)
	if err != nil {
		return nil, err
	}
	a.limiter = lim
	a.cache = c
	if err := a.openBackground(ctx); err != nil {
		return nil, err
	}
	local, err := files.NewLocal(filepath.Join(cfg.DataDir, "uploads"), "/files/")
	if err != nil {
		return nil, err
	}
	var store users.FileStore = local
	if cfg.Files.Driver == "s3" {
		if store, err = files.NewS3(files.S3Config{Endpoint: cfg.Files.S3Endpoint, Bucket: cfg.Files.S3Bucket,
			Region: cfg.Files.S3Region, AccessKey: cfg.Files.S3AccessKey, SecretKey: cfg.Files.S3SecretKey,
			PublicURL: cfg.Files.S3PublicURL}); err != nil {
			return nil, err
		}
	}
	a.files = store
	sender := opts.SMS
	if sender == nil {
		if sender, err = a.smsSender(opts.HTTPClient); err != nil {
			return nil, err
		}
	}
	var wx users.WeChatLogin
	if cfg.WeChat.AppID != "" {
		mp, err := wechat.NewMiniProgram(wechat.Config{AppID: cfg.WeChat.AppID, Secret: cfg.WeChat.Secret,
			BaseURL: cfg.WeChat.BaseURL}, opts.HTTPClient, logger)
		if err != nil {
			return nil, fmt.Errorf("wechat: %w", err)
		}
		wx = wechatLogin{mp: mp}
		a.wechat = mp
	}
	wechat.QuietLibraryLogs()

	secret := []byte(cfg.JWTSecret)
	a.Users = users.NewService(users.Deps{
		Store:   usersstore.New(a.DB),
		Tokens:  auth.NewTokens(secret, cfg.Auth.Issuer, cfg.Auth.Audience, cfg.Auth.AccessTTL, a.Now),
		Hasher:  auth.NewHasher(auth.OWASPParams, cfg.Auth.HashConcurrency),
		Cache:   c,
		Limiter: lim,
		SMS:     sender,
		WeChat:  wx,
		Files:   store,
		Logger:  logger.With("module", "users"),
		Now:     a.Now,
	}, a.userSettings(secret))

	if cfg.Production() {
		if err := a.refuseDemoData(ctx); err != nil {
			return nil, err
		}
	}

	a.HTTP, err = httpx.New(httpx.Options{
		Title: "Zuju API", Version: Version, Logger: logger,
		CORSOrigins: cfg.CORSOrigins, TrustedProxies: cfg.TrustedProxies,
		MaxBodyBytes: cfg.MaxBodyBytes, UploadMaxBytes: max(8<<20, cfg.Files.MaxImageBytes+1<<20),
		Authenticate: a.Users.Authenticate,
		Docs:         web.Docs(),
	})
	if err != nil {
		return nil, err
	}
	a.HTTP.AddReadiness("database", a.DB.Ping)
	if a.redis != nil {
		a.HTTP.AddReadiness("redis", func(ctx context.Context) error { return a.redis.Ping(ctx).Err() })
	}
	a.HTTP.AddReadiness("jobs", a.Jobs.Healthy)
	a.registerJobs()
	usershttp.Register(a.HTTP.API, a.Users)
	if err := registerActivities(ctx, a, opts); err != nil {
		return nil, err
	}
	if err := registerPayments(ctx, a, opts); err != nil {
		return nil, err
	}
	if err := registerModeration(ctx, a); err != nil {
		return nil, err
	}
	registerChat(a)
	registerClubs(a)
	registerPosts(a)
	registerReports(a)
	registerNotifications(a)
	if err := registerAdmin(ctx, a); err != nil {
		return nil, err
	}
	registerAnnouncementNotices(a, opts.AnnouncePage)
	a.HTTP.Engine.GET(local.Prefix()+"*path", gin.WrapH(local))
	mountWeb(a.HTTP)
	a.startRelayLast()
	ok = true
	return a, nil
}

func (a *App) openStorage(ctx context.Context) error {
	var err error
	if a.Config.Postgres() {
		a.DB, err = sqldb.OpenPostgres(ctx, a.Config.DatabaseURL, sqldb.Options{Logger: a.Logger})
	} else {
		a.DB, err = sqldb.OpenSQLite(ctx, a.Config.SQLitePath(), sqldb.Options{Logger: a.Logger})
	}
	if err != nil {
		return err
	}
	a.closers = append(a.closers, a.DB.Close)
	return nil
}

// openSharedState picks Redis or in-process cache and rate limiter.
func (a *App) openSharedState(ctx context.Context) (cache.Cache, users.Limiter, error) {
	var c cache.Cache
	var lim users.Limiter
	if a.Config.RedisURL != "" {
		ropts, err := redis.ParseURL(a.Config.RedisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("ZUJU_REDIS_URL: %w", err)
		}
		a.redis = redis.NewClient(ropts)
		a.closers = append(a.closers, a.redis.Close)
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := a.redis.Ping(pctx).Err(); err != nil {
			return nil, nil, fmt.Errorf("connect redis: %w", err)
		}
		c = cache.NewRedis(a.redis, a.Config.RedisPrefix+"cache:")
		lim = ratelimit.NewRedis(a.redis, a.Config.RedisPrefix+"rl:")
	} else {
		c = cache.NewMemory(cache.WithMaxEntries(200_000))
		lim = ratelimit.NewMemory(a.Now)
	}
	if !a.Config.RateLimitOn() {
		lim = ratelimit.Off()
	}
	return c, lim, nil
}

func (a *App) userSettings(secret []byte) users.Settings {
	s := users.DefaultSettings()
	cfg := a.Config
	s.RefreshTTL = cfg.Auth.RefreshTTL
	s.LoginPerIP = ratelimit.PerMinute(cfg.Limits.LoginPerIP)
	s.LoginPerAccount = ratelimit.Per(cfg.Limits.LoginPerAccount, 15*time.Minute)
	s.RegisterPerIP = ratelimit.PerHour(cfg.Limits.RegisterPerIP)
	s.SMSPerPhone = ratelimit.PerHour(cfg.Limits.SMSPerPhone)
	s.SMSPerIP = ratelimit.PerHour(cfg.Limits.SMSPerIP)
	s.RefreshPerIP = ratelimit.PerMinute(cfg.Limits.RefreshPerIP)
	s.MaxImageBytes = cfg.Files.MaxImageBytes
	s.CodeKey = deriveKey(secret, "zuju sms codes")
	s.DayZone = cfg.StatsLocation()
	return s
}

// Handler is the process's full HTTP handler.
func (a *App) Handler() http.Handler { return a.HTTP.Handler() }

// Serve listens on ln and runs the background workers until ctx ends, then
// shuts down gracefully: in-flight requests finish, workers stop.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	for i, w := range a.workers {
		if err := w.start(ctx); err != nil {
			for _, prev := range a.workers[:i] {
				_ = prev.stop(context.Background())
			}
			return fmt.Errorf("start %s: %w", w.name, err)
		}
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	err := httpx.Serve(ctx, srv, ln, a.Config.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownGrace)
	defer cancel()
	for i := len(a.workers) - 1; i >= 0; i-- {
		if serr := a.workers[i].stop(sctx); serr != nil {
			err = errors.Join(err, fmt.Errorf("stop %s: %w", a.workers[i].name, serr))
		}
	}
	return err
}

// Close releases every connection.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](); err != nil && a.Logger != nil {
			a.Logger.Warn("close", "err", err)
		}
	}
	a.closers = nil
}
