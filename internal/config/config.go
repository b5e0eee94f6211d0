// Package config holds Zuju's typed configuration. The zero-config defaults
// run the single binary (SQLite in ./data, everything in process); ZUJU_*
// environment variables and an optional YAML file override them.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	// The zone database, for hosts and images without one (the statistics'
	// day is a named zone).
	_ "time/tzdata"

	"github.com/spf13/viper"
)

// CheckInOpensBefore is how long before an activity's start its check-in
// opens; ZUJU_ACTIVITY_CANCEL_CUTOFF may not be shorter, so nobody who
// could be checked in can still give the seat up.
const CheckInOpensBefore = 2 * time.Hour

// Environments.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config is the effective configuration of one process. Every leaf field has
// a `key` tag; its environment name is ZUJU_ + the key upper-cased with dots
// replaced by underscores (wechat.appid → ZUJU_WECHAT_APPID).
type Config struct {
	Env            string        `key:"env" doc:"development or production"`
	HTTPAddr       string        `key:"http_addr" doc:"listen address"`
	PublicURL      string        `key:"public_url" doc:"external base URL (defaults to http://localhost:<port>)"`
	DataDir        string        `key:"data_dir" doc:"folder for the SQLite database, uploads and generated secrets"`
	DatabaseURL    string        `key:"database_url" doc:"postgres:// URL; empty means SQLite in the data dir" secret:"url"`
	RedisURL       string        `key:"redis_url" doc:"redis:// URL; empty means in-process cache and rate limits" secret:"url"`
	RedisPrefix    string        `key:"redis_prefix" doc:"namespace of every Redis key (several deployments can share one Redis)"`
	AMQPURL        string        `key:"amqp_url" doc:"amqp:// URL; empty means in-process events" secret:"url"`
	AMQPPrefix     string        `key:"amqp_prefix" doc:"prefix of every RabbitMQ exchange and queue name (several deployments can share one broker)"`
	JWTSecret      string        `key:"jwt_secret" doc:"HMAC secret for access tokens (≥ 32 bytes); generated in development" secret:"true"`
	RateLimit      string        `key:"ratelimit" doc:"on or off (off is refused in production)"`
	CORSOrigins    []string      `key:"cors_origins" doc:"comma-separated allowed browser origins"`
	TrustedProxies []string      `key:"trusted_proxies" doc:"comma-separated proxy IPs/CIDRs whose X-Forwarded-For is trusted"`
	LogLevel       string        `key:"log_level" doc:"debug, info, warn or error"`
	MaxBodyBytes   int64         `key:"max_body_bytes" doc:"maximum request body size for JSON requests"`
	ShutdownGrace  time.Duration `key:"shutdown_grace" doc:"time in-flight requests get to finish at shutdown"`

	Auth   Auth   `key:"auth"`
	Limits Limits `key:"ratelimit"`
	WeChat WeChat `key:"wechat"`
	SMS    SMS    `key:"sms"`
	SMTP   SMTP   `key:"smtp"`
	Files  Files  `key:"files"`
	Demo   Demo   `key:"demo"`

	Activity  Activity  `key:"activity"`
	Chat      Chat      `key:"chat"`
	Club      Club      `key:"club"`
	Pay       Pay       `key:"pay"`
	WeChatPay WeChatPay `key:"wechatpay"`

	Moderation Moderation `key:"moderation"`
	Admin      Admin      `key:"admin"`
	Reports    Reports    `key:"reports"`
	Stats      Stats      `key:"stats"`
	Jobs       Jobs       `key:"jobs"`
}

// Jobs configures the durable background jobs (ZUJU_JOBS_*).
type Jobs struct {
	Timeout     time.Duration `key:"timeout" doc:"longest run of one background job (a notification send, a refund, a sweep); its context is cancelled after it and the job is retried"`
	RescueAfter time.Duration `key:"rescue_after" doc:"a job still running this long after it started is taken for stranded by a process that died and is scheduled again (River's rescuer looks every 30 s); longer than ZUJU_JOBS_TIMEOUT (River's own default is 1h)"`
}

// Stats configures the operators' statistics (ZUJU_STATS_*).
type Stats struct {
	Timezone string `key:"timezone" doc:"IANA time zone whose midnight starts a statistics day (daily series, today's figures, the day a user counts as active)"`
}

// StatsLocation is the statistics' time zone (Validate checks it loads;
// UTC if it does not).
func (c *Config) StatsLocation() *time.Location {
	loc, err := time.LoadLocation(c.Stats.Timezone)
	if err != nil || c.Stats.Timezone == "" {
		return time.UTC
	}
	return loc
}

// Reports configures the report queue (ZUJU_REPORTS_*).
type Reports struct {
	AutoHide int `key:"autohide" doc:"open reports of one target that hide it pending review (posts and comments held, chat messages withdrawn, other targets flagged in the queue); 0 turns auto-hide off"`
}

// Chat configures the activities' chat rooms (ZUJU_CHAT_*).
type Chat struct {
	ReadOnlyAfter time.Duration `key:"read_only_after" doc:"how long after its activity ends a chat room still takes messages (then history only)"`
	SendPerMinute int           `key:"send_per_minute" doc:"messages one user may send per minute, over all rooms"`
	FramesPerSec  int           `key:"frames_per_second" doc:"frames one WebSocket connection may send per second (twice that in a burst); far more closes it"`
}

// Club configures clubs (ZUJU_CLUB_*).
type Club struct {
	ApplyCooldown time.Duration `key:"apply_cooldown" doc:"how long after a rejected application one may apply to the same club again"`
}

// Admin configures the admin module (ZUJU_ADMIN_*).
type Admin struct {
	ConfigRefresh time.Duration `key:"config_refresh" doc:"how often a replica reloads the system configs super admins set (a change made on another replica applies here within this time)"`
}

// Moderation configures the pipeline every text people write goes
// through (ZUJU_MODERATION_*).
type Moderation struct {
	Refresh       time.Duration `key:"refresh" doc:"how often a replica reloads the sensitive words (a change made on another replica applies here within this time)"`
	WeChat        string        `key:"wechat" doc:"on: after the word filter, texts of WeChat users also go through WeChat's content check (msg_sec_check; needs ZUJU_WECHAT_APPID); risky is refused, review held; a failed check lets the text through (fail open, logged)"`
	WeChatTimeout time.Duration `key:"wechat_timeout" doc:"longest wait for WeChat's content check before the text goes on without it"`
}

// Pay configures payments (ZUJU_PAY_*).
type Pay struct {
	Sandbox string `key:"sandbox" doc:"the sandbox payment channel (a pay page that settles orders without real money): auto (on in development, off in production), on or off; refused in production"`
}

// WeChatPay configures WeChat Pay APIv3 (ZUJU_WECHATPAY_*), verified with
// the WeChat Pay public key. Setting the mchid turns the channel on.
type WeChatPay struct {
	MchID           string `key:"mchid" doc:"merchant id (商户号); empty turns WeChat Pay off"`
	AppID           string `key:"appid" doc:"appid the orders are paid in (defaults to ZUJU_WECHAT_APPID)"`
	MerchantSerial  string `key:"merchant_serial" doc:"serial number of the merchant API certificate"`
	MerchantKeyFile string `key:"merchant_key_file" doc:"PEM file of the merchant API private key (apiclient_key.pem)"`
	PublicKeyID     string `key:"public_key_id" doc:"id of the WeChat Pay public key (PUB_KEY_ID_…)"`
	PublicKeyFile   string `key:"public_key_file" doc:"PEM file of the WeChat Pay public key (微信支付公钥)"`
	APIv3Key        string `key:"apiv3_key" doc:"APIv3 key (32 characters) that decrypts callbacks" secret:"true"`
	NotifyURL       string `key:"notify_url" doc:"callback URL WeChat Pay calls (defaults to the public URL + /api/v1/payments/wechat/notify)"`
	BaseURL         string `key:"base_url" doc:"WeChat Pay API base URL (empty: https://api.mch.weixin.qq.com)"`
}

// SandboxOn reports whether the sandbox payment channel is on.
func (c *Config) SandboxOn() bool {
	switch c.Pay.Sandbox {
	case "on":
		return true
	case "off":
		return false
	}
	return !c.Production()
}

// Activity configures the sign-up rules of activities (ZUJU_ACTIVITY_*).
type Activity struct {
	PaymentHold       time.Duration `key:"payment_hold" doc:"how long a paid sign-up holds its seat for payment"`
	CancelCutoff      time.Duration `key:"cancel_cutoff" doc:"self-cancellation closes this long before the start (at least 2h, when check-in opens)"`
	FullRefundBefore  time.Duration `key:"full_refund_before" doc:"self-cancelled at least this long before the start, a paid sign-up is refunded in full"`
	LateRefundPercent int           `key:"late_refund_percent" doc:"share (0-100) of the price refunded for a later self-cancellation"`
	// ListCacheTTL bounds how long a public list page stays cached.
	ListCacheTTL time.Duration `key:"list_cache_ttl" doc:"how long a public activity list page stays cached (every change invalidates the pages at once); 0 turns the cache off"`
}

// Auth configures tokens and password hashing.
type Auth struct {
	AccessTTL       time.Duration `key:"access_ttl" doc:"access token lifetime"`
	RefreshTTL      time.Duration `key:"refresh_ttl" doc:"refresh token lifetime"`
	Issuer          string        `key:"issuer" doc:"JWT iss"`
	Audience        string        `key:"audience" doc:"JWT aud"`
	HashConcurrency int           `key:"hash_concurrency" doc:"password hashes computed at once (0 = number of CPUs)"`
}

// Limits configures the rate limits (ZUJU_RATELIMIT_*).
type Limits struct {
	LoginPerIP      int `key:"login_per_ip" doc:"password logins per ip per minute"`
	LoginPerAccount int `key:"login_per_account" doc:"failed password logins per account per 15 minutes"`
	RegisterPerIP   int `key:"register_per_ip" doc:"registrations per ip per hour"`
	SMSPerPhone     int `key:"sms_per_phone" doc:"SMS codes per phone per hour"`
	SMSPerIP        int `key:"sms_per_ip" doc:"SMS codes per ip per hour"`
	RefreshPerIP    int `key:"refresh_per_ip" doc:"token refreshes per ip per minute"`
}

// WeChat configures the mini program login.
type WeChat struct {
	AppID   string `key:"appid" doc:"mini program appid"`
	Secret  string `key:"secret" doc:"mini program secret" secret:"true"`
	BaseURL string `key:"base_url" doc:"WeChat API base URL"`
	// NotifyTemplate is the subscribe message template of notifications.
	NotifyTemplate string `key:"notify_template" doc:"subscribe message template id of notifications (keywords thing1: title, thing2: text); empty turns WeChat notifications off"`
}

// SMS configures the verification-code sender.
type SMS struct {
	Provider string  `key:"provider" doc:"log (development) or tencent"`
	Tencent  Tencent `key:"tencent"`
}

// SMTP configures the mail server of email notifications (ZUJU_SMTP_*).
type SMTP struct {
	URL string `key:"url" doc:"mail server of email notifications: smtps://user:pass@host:465 (TLS), smtp://…:587 (STARTTLS) or smtp://host:25?tls=off (local servers); ?from= sets the sender; empty turns email off" secret:"url"`
}

// Tencent configures Tencent Cloud SMS.
type Tencent struct {
	SecretID      string `key:"secret_id" doc:"Tencent Cloud SecretId"`
	SecretKey     string `key:"secret_key" doc:"Tencent Cloud SecretKey" secret:"true"`
	SDKAppID      string `key:"sdk_app_id" doc:"SMS SdkAppId"`
	SignName      string `key:"sign_name" doc:"SMS signature"`
	Region        string `key:"region" doc:"API region"`
	Endpoint      string `key:"endpoint" doc:"API endpoint"`
	TemplateLogin string `key:"template_login" doc:"template id of the login code"`
}

// Files configures uploaded file storage.
type Files struct {
	Driver        string `key:"driver" doc:"local or s3"`
	MaxImageBytes int64  `key:"max_image_bytes" doc:"largest accepted image upload"`
	S3Endpoint    string `key:"s3_endpoint" doc:"S3-compatible endpoint URL"`
	S3Bucket      string `key:"s3_bucket" doc:"bucket name"`
	S3Region      string `key:"s3_region" doc:"region"`
	S3AccessKey   string `key:"s3_access_key" doc:"access key id"`
	S3SecretKey   string `key:"s3_secret_key" doc:"secret access key" secret:"true"`
	S3PublicURL   string `key:"s3_public_url" doc:"public base URL of the bucket"`
}

// Demo configures demo-only behaviour.
type Demo struct {
	Password string `key:"password" doc:"password of the demo accounts made by 'zuju seed --demo' (development only)" secret:"true"`
}

// Default returns the single-binary defaults.
func Default() Config {
	return Config{
		Env:           EnvDevelopment,
		HTTPAddr:      ":8080",
		DataDir:       "./data",
		RateLimit:     "on",
		RedisPrefix:   "zuju:",
		LogLevel:      "info",
		MaxBodyBytes:  1 << 20,
		ShutdownGrace: 20 * time.Second,
		Auth: Auth{
			AccessTTL:  15 * time.Minute,
			RefreshTTL: 30 * 24 * time.Hour,
			Issuer:     "zuju",
			Audience:   "zuju-api",
		},
		Limits: Limits{
			LoginPerIP:      30,
			LoginPerAccount: 5,
			RegisterPerIP:   20,
			SMSPerPhone:     10,
			SMSPerIP:        30,
			RefreshPerIP:    60,
		},
		WeChat: WeChat{BaseURL: "https://api.weixin.qq.com"},
		SMS: SMS{Provider: "log", Tencent: Tencent{
			Region:   "ap-guangzhou",
			Endpoint: "https://sms.tencentcloudapi.com",
		}},
		Files: Files{Driver: "local", MaxImageBytes: 2 << 20},
		Activity: Activity{
			PaymentHold:       15 * time.Minute,
			CancelCutoff:      2 * time.Hour,
			FullRefundBefore:  24 * time.Hour,
			LateRefundPercent: 50,
			ListCacheTTL:      30 * time.Second,
		},
		Chat: Chat{ReadOnlyAfter: 72 * time.Hour, SendPerMinute: 60, FramesPerSec: 20},
		Club: Club{ApplyCooldown: 7 * 24 * time.Hour},
		Pay:  Pay{Sandbox: "auto"},

		Moderation: Moderation{Refresh: 10 * time.Second, WeChat: "off", WeChatTimeout: 3 * time.Second},
		Admin:      Admin{ConfigRefresh: 5 * time.Second},
		Reports:    Reports{AutoHide: 5},
		Stats:      Stats{Timezone: "Asia/Shanghai"},
		Jobs:       Jobs{Timeout: time.Minute, RescueAfter: 2 * time.Minute},
	}
}

// Load builds the configuration: defaults, then the YAML file (if file is
// not empty, or ZUJU_CONFIG names one), then ZUJU_* variables from getenv.
func Load(getenv func(string) string, file string) (Config, error) {
	cfg := Default()
	if file == "" {
		file = getenv("ZUJU_CONFIG")
	}
	v := viper.New()
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return cfg, fmt.Errorf("read config file %s: %w", file, err)
		}
	}
	fields := Fields(&cfg)
	for _, f := range fields {
		raw := ""
		if s := getenv(f.Env); s != "" {
			raw = s
		} else if v.IsSet(f.Key) {
			if _, section := v.Get(f.Key).(map[string]any); section {
				// "ratelimit" is both the on/off switch and the section of
				// the limits (ZUJU_RATELIMIT_*): a section is not a value.
				if hasSection(fields, f.Key) {
					continue
				}
				return cfg, fmt.Errorf("config %s (%s): want a value, got a section", f.Env, f.Key)
			}
			raw = fmt.Sprint(v.Get(f.Key))
			if list, ok := v.Get(f.Key).([]any); ok {
				parts := make([]string, len(list))
				for i, p := range list {
					parts[i] = fmt.Sprint(p)
				}
				raw = strings.Join(parts, ",")
			}
		} else {
			continue
		}
		if err := f.set(raw); err != nil {
			return cfg, fmt.Errorf("config %s (%s): %w", f.Env, f.Key, err)
		}
	}
	return cfg, nil
}

func hasSection(fields []Field, key string) bool {
	return slices.ContainsFunc(fields, func(f Field) bool { return strings.HasPrefix(f.Key, key+".") })
}

// Field describes one configuration leaf.
type Field struct {
	Key    string
	Env    string
	Doc    string
	Secret string
	value  reflect.Value
}

// Value renders the field's current value, masked when it is a secret.
func (f Field) Value() string {
	s := render(f.value)
	if s == "" {
		return ""
	}
	switch f.Secret {
	case "true":
		return "******"
	case "url":
		if u, err := url.Parse(s); err == nil {
			return u.Redacted()
		}
		return "******"
	}
	return s
}

func render(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case []string:
		return strings.Join(x, ",")
	case time.Duration:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

func (f Field) set(raw string) error {
	raw = strings.TrimSpace(raw)
	switch f.value.Interface().(type) {
	case string:
		f.value.SetString(raw)
	case []string:
		var out []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		f.value.Set(reflect.ValueOf(out))
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration like 15m or 720h: %q", raw)
		}
		f.value.SetInt(int64(d))
	case int, int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", raw)
		}
		f.value.SetInt(n)
	default:
		return fmt.Errorf("unsupported type %s", f.value.Type())
	}
	return nil
}

// Fields lists every configuration leaf of cfg in declaration order.
func Fields(cfg *Config) []Field {
	var out []Field
	walk(reflect.ValueOf(cfg).Elem(), "", &out)
	return out
}

func walk(v reflect.Value, prefix string, out *[]Field) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		key := sf.Tag.Get("key")
		if key == "" {
			continue
		}
		if prefix != "" {
			key = prefix + "." + key
		}
		fv := v.Field(i)
		if sf.Type.Kind() == reflect.Struct && sf.Type != reflect.TypeOf(time.Duration(0)) {
			walk(fv, key, out)
			continue
		}
		*out = append(*out, Field{
			Key:    key,
			Env:    "ZUJU_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_")),
			Doc:    sf.Tag.Get("doc"),
			Secret: sf.Tag.Get("secret"),
			value:  fv,
		})
	}
}

// Production reports whether the process runs in production.
func (c *Config) Production() bool { return c.Env == EnvProduction }

// RateLimitOn reports whether rate limits are enforced.
func (c *Config) RateLimitOn() bool { return c.RateLimit != "off" }

// Postgres reports whether the database is PostgreSQL.
func (c *Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

var amqpPrefix = regexp.MustCompile(`^[A-Za-z0-9._:-]{0,40}$`)

// Validate checks the configuration and returns every problem at once.
func (c *Config) Validate() error {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		add("ZUJU_ENV must be %q or %q, got %q", EnvDevelopment, EnvProduction, c.Env)
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		add("ZUJU_HTTP_ADDR must be host:port like :8080, got %q", c.HTTPAddr)
	}
	if c.DatabaseURL != "" && !c.Postgres() {
		add("ZUJU_DATABASE_URL must be a postgres:// URL or empty (SQLite), got a %q URL", scheme(c.DatabaseURL))
	}
	if c.RedisURL != "" && scheme(c.RedisURL) != "redis" && scheme(c.RedisURL) != "rediss" {
		add("ZUJU_REDIS_URL must be a redis:// URL or empty")
	}
	if c.AMQPURL != "" && scheme(c.AMQPURL) != "amqp" && scheme(c.AMQPURL) != "amqps" {
		add("ZUJU_AMQP_URL must be an amqp:// URL or empty")
	}
	if !amqpPrefix.MatchString(c.AMQPPrefix) {
		add("ZUJU_AMQP_PREFIX may hold letters, digits, '.', '_', ':' and '-' only (at most 40)")
	}
	if c.RateLimit != "on" && c.RateLimit != "off" {
		add("ZUJU_RATELIMIT must be on or off, got %q", c.RateLimit)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		add("ZUJU_LOG_LEVEL must be debug, info, warn or error")
	}
	if c.MaxBodyBytes < 1024 {
		add("ZUJU_MAX_BODY_BYTES must be at least 1024")
	}
	for _, l := range []struct {
		name string
		n    int
	}{
		{"LOGIN_PER_IP", c.Limits.LoginPerIP}, {"LOGIN_PER_ACCOUNT", c.Limits.LoginPerAccount},
		{"REGISTER_PER_IP", c.Limits.RegisterPerIP}, {"SMS_PER_PHONE", c.Limits.SMSPerPhone},
		{"SMS_PER_IP", c.Limits.SMSPerIP}, {"REFRESH_PER_IP", c.Limits.RefreshPerIP},
	} {
		if l.n < 1 {
			add("ZUJU_RATELIMIT_%s must be at least 1 (ZUJU_RATELIMIT=off turns every limit off in development)", l.name)
		}
	}
	if c.Auth.AccessTTL < time.Minute || c.Auth.AccessTTL > 24*time.Hour {
		add("ZUJU_AUTH_ACCESS_TTL must be between 1m and 24h")
	}
	if c.Auth.RefreshTTL < time.Hour {
		add("ZUJU_AUTH_REFRESH_TTL must be at least 1h")
	}
	if c.Chat.ReadOnlyAfter < 0 || c.Chat.ReadOnlyAfter > 90*24*time.Hour {
		add("ZUJU_CHAT_READ_ONLY_AFTER must be between 0 and 2160h, got %s", c.Chat.ReadOnlyAfter)
	}
	if c.Chat.SendPerMinute < 1 || c.Chat.SendPerMinute > 600 {
		add("ZUJU_CHAT_SEND_PER_MINUTE must be between 1 and 600, got %d", c.Chat.SendPerMinute)
	}
	if c.Reports.AutoHide < 0 || c.Reports.AutoHide > 1000 {
		add("ZUJU_REPORTS_AUTOHIDE must be between 0 and 1000, got %d", c.Reports.AutoHide)
	}
	if c.Club.ApplyCooldown < 0 || c.Club.ApplyCooldown > 365*24*time.Hour {
		add("ZUJU_CLUB_APPLY_COOLDOWN must be between 0 and 8760h, got %s", c.Club.ApplyCooldown)
	}
	if c.Chat.FramesPerSec < 1 || c.Chat.FramesPerSec > 10000 {
		add("ZUJU_CHAT_FRAMES_PER_SECOND must be between 1 and 10000, got %d", c.Chat.FramesPerSec)
	}
	if c.Admin.ConfigRefresh < time.Second || c.Admin.ConfigRefresh > 10*time.Minute {
		add("ZUJU_ADMIN_CONFIG_REFRESH must be between 1s and 10m, got %s", c.Admin.ConfigRefresh)
	}
	if _, err := time.LoadLocation(c.Stats.Timezone); err != nil || c.Stats.Timezone == "" {
		add("ZUJU_STATS_TIMEZONE must be an IANA time zone such as Asia/Shanghai, got %q", c.Stats.Timezone)
	}
	if c.Jobs.Timeout < time.Second || c.Jobs.Timeout > time.Hour {
		add("ZUJU_JOBS_TIMEOUT must be between 1s and 1h, got %s", c.Jobs.Timeout)
	}
	if c.Jobs.RescueAfter <= c.Jobs.Timeout || c.Jobs.RescueAfter > 24*time.Hour {
		add("ZUJU_JOBS_RESCUE_AFTER must be longer than ZUJU_JOBS_TIMEOUT (%s) and at most 24h, got %s", c.Jobs.Timeout, c.Jobs.RescueAfter)
	}
	if c.Moderation.Refresh < time.Second || c.Moderation.Refresh > 10*time.Minute {
		add("ZUJU_MODERATION_REFRESH must be between 1s and 10m, got %s", c.Moderation.Refresh)
	}
	switch c.Moderation.WeChat {
	case "off":
	case "on":
		if c.WeChat.AppID == "" || c.WeChat.Secret == "" {
			add("ZUJU_MODERATION_WECHAT=on needs ZUJU_WECHAT_APPID and ZUJU_WECHAT_SECRET")
		}
	default:
		add("ZUJU_MODERATION_WECHAT must be on or off, got %q", c.Moderation.WeChat)
	}
	if c.Moderation.WeChatTimeout < 100*time.Millisecond || c.Moderation.WeChatTimeout > 30*time.Second {
		add("ZUJU_MODERATION_WECHAT_TIMEOUT must be between 100ms and 30s, got %s", c.Moderation.WeChatTimeout)
	}
	if c.Activity.ListCacheTTL < 0 || c.Activity.ListCacheTTL > 10*time.Minute {
		add("ZUJU_ACTIVITY_LIST_CACHE_TTL must be between 0 (off) and 10m")
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		add("ZUJU_JWT_SECRET must be at least 32 characters")
	}
	if !slices.Contains([]string{"log", "tencent"}, c.SMS.Provider) {
		add("ZUJU_SMS_PROVIDER must be log or tencent, got %q", c.SMS.Provider)
	}
	if c.SMS.Provider == "tencent" && (c.SMS.Tencent.SecretID == "" || c.SMS.Tencent.SecretKey == "" || c.SMS.Tencent.SDKAppID == "" || c.SMS.Tencent.TemplateLogin == "") {
		add("ZUJU_SMS_PROVIDER=tencent needs ZUJU_SMS_TENCENT_SECRET_ID, _SECRET_KEY, _SDK_APP_ID and _TEMPLATE_LOGIN")
	}
	if c.Files.Driver != "local" && c.Files.Driver != "s3" {
		add("ZUJU_FILES_DRIVER must be local or s3")
	}
	if c.Files.Driver == "s3" && (c.Files.S3Endpoint == "" || c.Files.S3Bucket == "") {
		add("ZUJU_FILES_DRIVER=s3 needs ZUJU_FILES_S3_ENDPOINT and ZUJU_FILES_S3_BUCKET")
	}
	if c.Activity.PaymentHold < time.Minute || c.Activity.PaymentHold > 2*time.Hour {
		add("ZUJU_ACTIVITY_PAYMENT_HOLD must be between 1m and 2h")
	}
	if c.Activity.CancelCutoff < CheckInOpensBefore {
		add("ZUJU_ACTIVITY_CANCEL_CUTOFF must be at least %s: check-in opens then, and a seat that can be checked in can no longer be given up", CheckInOpensBefore)
	}
	if c.Activity.FullRefundBefore < c.Activity.CancelCutoff {
		add("ZUJU_ACTIVITY_FULL_REFUND_BEFORE must be at least ZUJU_ACTIVITY_CANCEL_CUTOFF")
	}
	if !slices.Contains([]string{"auto", "on", "off"}, c.Pay.Sandbox) {
		add("ZUJU_PAY_SANDBOX must be auto, on or off, got %q", c.Pay.Sandbox)
	} else if c.Production() && c.Pay.Sandbox == "on" {
		add("ZUJU_PAY_SANDBOX=on is refused in production: the sandbox settles orders without money")
	}
	if w := c.WeChatPay; w.MchID != "" {
		if w.MerchantSerial == "" || w.MerchantKeyFile == "" || w.PublicKeyID == "" || w.PublicKeyFile == "" || (w.AppID == "" && c.WeChat.AppID == "") {
			add("ZUJU_WECHATPAY_MCHID needs ZUJU_WECHATPAY_MERCHANT_SERIAL, _MERCHANT_KEY_FILE, _PUBLIC_KEY_ID, _PUBLIC_KEY_FILE and an appid (ZUJU_WECHATPAY_APPID or ZUJU_WECHAT_APPID)")
		}
		if len(w.APIv3Key) != 32 {
			add("ZUJU_WECHATPAY_APIV3_KEY must be the 32-character APIv3 key")
		}
		if c.Production() && w.NotifyURL == "" && !strings.HasPrefix(c.PublicURL, "https://") {
			add("WeChat Pay calls back over HTTPS: set ZUJU_WECHATPAY_NOTIFY_URL or an https ZUJU_PUBLIC_URL")
		}
	}
	if c.Activity.LateRefundPercent < 0 || c.Activity.LateRefundPercent > 100 {
		add("ZUJU_ACTIVITY_LATE_REFUND_PERCENT must be between 0 and 100")
	}
	for _, o := range c.CORSOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || u.Scheme == "" || u.Host == "") {
			add("ZUJU_CORS_ORIGINS entries must be origins like https://app.example.com, got %q", o)
		}
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				add("ZUJU_TRUSTED_PROXIES entries must be IPs or CIDRs, got %q", p)
			}
		}
	}
	if c.Production() {
		if c.JWTSecret == "" {
			add("ZUJU_JWT_SECRET is required in production")
		}
		if c.RateLimit == "off" {
			add("ZUJU_RATELIMIT=off is refused in production")
		}
		if c.SMS.Provider == "log" {
			add("ZUJU_SMS_PROVIDER=log prints codes and is refused in production")
		}
		if c.Demo.Password != "" {
			add("ZUJU_DEMO_PASSWORD is a development feature and is refused in production")
		}
		if slices.Contains(c.CORSOrigins, "*") {
			add("ZUJU_CORS_ORIGINS=* is refused in production")
		}
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration:\n  - " + strings.Join(problems, "\n  - "))
	}
	return nil
}

func scheme(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme
}

// EnsureSecrets fills development-only secrets: the JWT secret is generated
// once and kept in the data dir so tokens survive restarts.
func (c *Config) EnsureSecrets() error {
	if c.JWTSecret != "" {
		return nil
	}
	if c.Production() {
		return errors.New("ZUJU_JWT_SECRET is required in production")
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(c.DataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		c.JWTSecret = strings.TrimSpace(string(b))
		return nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return fmt.Errorf("generate jwt secret: %w", err)
	}
	secret := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("store jwt secret: %w", err)
	}
	c.JWTSecret = secret
	return nil
}

// BaseURL is the external URL of this process.
func (c *Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	host, port, _ := net.SplitHostPort(c.HTTPAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// SQLitePath is the database file used when DatabaseURL is empty.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "zuju.db") }
