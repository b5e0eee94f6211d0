package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envOf returns a getenv backed by m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// prodOK is a production configuration that passes Validate.
func prodOK() Config {
	c := Default()
	c.Env = EnvProduction
	c.JWTSecret = strings.Repeat("s", 32)
	c.SMS.Provider = "tencent"
	c.SMS.Tencent.SecretID = "id"
	c.SMS.Tencent.SecretKey = "key"
	c.SMS.Tencent.SDKAppID = "1400000000"
	c.SMS.Tencent.TemplateLogin = "123456"
	c.CORSOrigins = []string{"https://app.zuju.example"}
	return c
}

func TestDefaultsValidateAndLoadWithoutInputEqualsDefaults(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if d.Production() || !d.RateLimitOn() || d.Postgres() {
		t.Fatalf("defaults: production=%v ratelimit=%v postgres=%v", d.Production(), d.RateLimitOn(), d.Postgres())
	}
	if got := d.BaseURL(); got != "http://localhost:8080" {
		t.Fatalf("BaseURL = %q", got)
	}
	if got := d.SQLitePath(); got != filepath.Join("data", "zuju.db") {
		t.Fatalf("SQLitePath = %q", got)
	}
	loaded, err := Load(envOf(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded, d) {
		t.Fatalf("Load with nothing set differs from Default:\n%+v\n%+v", loaded, d)
	}
	if p := prodOK(); p.Validate() != nil {
		err := p.Validate()
		t.Fatalf("the production baseline of these tests must validate: %v", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		check func(Config) bool
	}{
		{"string", map[string]string{"ZUJU_HTTP_ADDR": "127.0.0.1:9000"},
			func(c Config) bool { return c.HTTPAddr == "127.0.0.1:9000" }},
		{"string is trimmed", map[string]string{"ZUJU_LOG_LEVEL": "  debug \n"},
			func(c Config) bool { return c.LogLevel == "debug" }},
		{"nested string", map[string]string{"ZUJU_WECHAT_APPID": "wx123"},
			func(c Config) bool { return c.WeChat.AppID == "wx123" }},
		{"two levels deep", map[string]string{"ZUJU_SMS_TENCENT_SIGN_NAME": "组局"},
			func(c Config) bool { return c.SMS.Tencent.SignName == "组局" }},
		{"list with commas and blanks", map[string]string{"ZUJU_CORS_ORIGINS": "https://a.example, https://b.example,,"},
			func(c Config) bool {
				return reflect.DeepEqual(c.CORSOrigins, []string{"https://a.example", "https://b.example"})
			}},
		{"single list item", map[string]string{"ZUJU_TRUSTED_PROXIES": "10.0.0.0/8"},
			func(c Config) bool { return reflect.DeepEqual(c.TrustedProxies, []string{"10.0.0.0/8"}) }},
		{"duration", map[string]string{"ZUJU_SHUTDOWN_GRACE": "45s", "ZUJU_AUTH_REFRESH_TTL": "720h"},
			func(c Config) bool { return c.ShutdownGrace == 45*time.Second && c.Auth.RefreshTTL == 720*time.Hour }},
		{"int64", map[string]string{"ZUJU_MAX_BODY_BYTES": "2048"},
			func(c Config) bool { return c.MaxBodyBytes == 2048 }},
		{"int", map[string]string{"ZUJU_RATELIMIT_LOGIN_PER_IP": "7", "ZUJU_AUTH_HASH_CONCURRENCY": "3"},
			func(c Config) bool { return c.Limits.LoginPerIP == 7 && c.Auth.HashConcurrency == 3 }},
		{"ratelimit leaf and the ratelimit section side by side", map[string]string{"ZUJU_RATELIMIT": "off", "ZUJU_RATELIMIT_SMS_PER_IP": "3"},
			func(c Config) bool { return c.RateLimit == "off" && !c.RateLimitOn() && c.Limits.SMSPerIP == 3 }},
		{"empty value keeps the default", map[string]string{"ZUJU_HTTP_ADDR": ""},
			func(c Config) bool { return c.HTTPAddr == ":8080" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(envOf(tc.env), "")
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("override not applied: %+v", c)
			}
		})
	}
}

func TestEnvValuesThatDoNotParse(t *testing.T) {
	cases := map[string]string{
		"ZUJU_SHUTDOWN_GRACE":         "20",    // no unit
		"ZUJU_AUTH_ACCESS_TTL":        "soon",  // not a duration
		"ZUJU_MAX_BODY_BYTES":         "1MB",   // not an integer
		"ZUJU_RATELIMIT_LOGIN_PER_IP": "12abc", // trailing garbage
		"ZUJU_RATELIMIT_SMS_PER_IP":   "1.5",   // not an integer
	}
	for env, val := range cases {
		t.Run(env+"="+val, func(t *testing.T) {
			_, err := Load(envOf(map[string]string{env: val}), "")
			if err == nil {
				t.Fatalf("%s=%q accepted", env, val)
			}
			if !strings.Contains(err.Error(), env) {
				t.Fatalf("error does not name the variable: %v", err)
			}
		})
	}
}

func TestYAMLFile(t *testing.T) {
	file := writeFile(t, "zuju.yaml", `
env: development
log_level: warn
shutdown_grace: 5s
max_body_bytes: 4096
cors_origins:
  - https://a.example
  - https://b.example
trusted_proxies: 10.0.0.1, 10.0.0.2
wechat:
  appid: wx-from-file
  secret: file-secret
sms:
  tencent:
    region: ap-beijing
ratelimit:
  login_per_ip: 9
  sms_per_phone: 4
`)
	c, err := Load(envOf(map[string]string{"ZUJU_WECHAT_APPID": "wx-from-env"}), file)
	if err != nil {
		t.Fatal(err)
	}
	if c.LogLevel != "warn" || c.ShutdownGrace != 5*time.Second || c.MaxBodyBytes != 4096 {
		t.Errorf("top-level keys: %q %v %d", c.LogLevel, c.ShutdownGrace, c.MaxBodyBytes)
	}
	if !reflect.DeepEqual(c.CORSOrigins, []string{"https://a.example", "https://b.example"}) {
		t.Errorf("YAML list: %q", c.CORSOrigins)
	}
	if !reflect.DeepEqual(c.TrustedProxies, []string{"10.0.0.1", "10.0.0.2"}) {
		t.Errorf("comma list in YAML: %q", c.TrustedProxies)
	}
	if c.WeChat.Secret != "file-secret" || c.SMS.Tencent.Region != "ap-beijing" {
		t.Errorf("nested keys: %q %q", c.WeChat.Secret, c.SMS.Tencent.Region)
	}
	if c.WeChat.AppID != "wx-from-env" {
		t.Errorf("env must beat the file: appid %q", c.WeChat.AppID)
	}
	if c.Limits.LoginPerIP != 9 || c.Limits.SMSPerPhone != 4 || c.Limits.SMSPerIP != Default().Limits.SMSPerIP {
		t.Errorf("ratelimit section: %+v", c.Limits)
	}
	// The ratelimit section must not be taken as the value of the
	// ratelimit on/off switch.
	if c.RateLimit != "on" {
		t.Errorf("ratelimit switch = %q, want the default on", c.RateLimit)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("file config does not validate: %v", err)
	}

	// The switch itself can be set from a file too.
	c, err = Load(envOf(nil), writeFile(t, "off.yaml", "ratelimit: \"off\"\n"))
	if err != nil || c.RateLimit != "off" {
		t.Fatalf("ratelimit: off from file: %q %v", c.RateLimit, err)
	}

	// ZUJU_CONFIG names the file when no path is given.
	c, err = Load(envOf(map[string]string{"ZUJU_CONFIG": file}), "")
	if err != nil || c.WeChat.AppID != "wx-from-file" {
		t.Fatalf("ZUJU_CONFIG: %q %v", c.WeChat.AppID, err)
	}
}

func TestYAMLFileErrors(t *testing.T) {
	if _, err := Load(envOf(nil), filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing config file accepted")
	}
	if _, err := Load(envOf(nil), writeFile(t, "bad.yaml", "wechat: [unclosed\n")); err == nil {
		t.Error("malformed YAML accepted")
	}
	_, err := Load(envOf(nil), writeFile(t, "dur.yaml", "shutdown_grace: 20\n"))
	if err == nil || !strings.Contains(err.Error(), "ZUJU_SHUTDOWN_GRACE") {
		t.Errorf("duration without unit in file: %v", err)
	}
	// A section where a value belongs is an error, not a silently odd value.
	_, err = Load(envOf(nil), writeFile(t, "section.yaml", "log_level:\n  nested: x\n"))
	if err == nil || !strings.Contains(err.Error(), "log_level") {
		t.Errorf("section for a plain value: %v", err)
	}
}

func TestValidateCollectsEveryProblem(t *testing.T) {
	c := Default()
	c.Env = "staging"
	c.HTTPAddr = "8080"
	c.DatabaseURL = "mysql://u@h/db"
	c.RedisURL = "http://cache"
	c.AMQPURL = "redis://mq"
	c.RateLimit = "maybe"
	c.LogLevel = "loud"
	c.MaxBodyBytes = 10
	c.Auth.AccessTTL = 48 * time.Hour
	c.Auth.RefreshTTL = time.Minute
	c.JWTSecret = "short"
	c.SMS.Provider = "pigeon"
	c.Files.Driver = "ftp"
	c.CORSOrigins = []string{"app.example.com"}
	c.TrustedProxies = []string{"not-an-ip"}
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"ZUJU_ENV", "ZUJU_HTTP_ADDR", "ZUJU_DATABASE_URL", "ZUJU_REDIS_URL", "ZUJU_AMQP_URL",
		"ZUJU_RATELIMIT must", "ZUJU_LOG_LEVEL", "ZUJU_MAX_BODY_BYTES", "ZUJU_AUTH_ACCESS_TTL",
		"ZUJU_AUTH_REFRESH_TTL", "ZUJU_JWT_SECRET", "ZUJU_SMS_PROVIDER", "ZUJU_FILES_DRIVER",
		"ZUJU_CORS_ORIGINS", "ZUJU_TRUSTED_PROXIES",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problem %s not reported in:\n%s", want, msg)
		}
	}
	if n := strings.Count(msg, "\n  - "); n != 15 {
		t.Errorf("%d problems listed, want 15:\n%s", n, msg)
	}
	// The database URL is described by its scheme only, never echoed.
	c = Default()
	c.DatabaseURL = "mysql://u:hunter2@h/db"
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("database URL problem: %v", err)
	}
}

func TestValidateSingleRules(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // empty: valid
	}{
		{"postgresql scheme", func(c *Config) { c.DatabaseURL = "postgresql://u@h/db" }, ""},
		{"rediss and amqps", func(c *Config) { c.RedisURL = "rediss://h:6380/0"; c.AMQPURL = "amqps://h" }, ""},
		{"trusted proxy CIDR and IP", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "::1"} }, ""},
		{"wildcard CORS in development", func(c *Config) { c.CORSOrigins = []string{"*"} }, ""},
		{"tencent without credentials", func(c *Config) { c.SMS.Provider = "tencent" }, "ZUJU_SMS_TENCENT_SECRET_ID"},
		{"s3 without bucket", func(c *Config) { c.Files.Driver = "s3"; c.Files.S3Endpoint = "https://s3" }, "ZUJU_FILES_S3_BUCKET"},
		{"access ttl too short", func(c *Config) { c.Auth.AccessTTL = time.Second }, "ZUJU_AUTH_ACCESS_TTL"},
		{"payment hold too short", func(c *Config) { c.Activity.PaymentHold = time.Second }, "ZUJU_ACTIVITY_PAYMENT_HOLD"},
		{"no cancel cutoff", func(c *Config) { c.Activity.CancelCutoff, c.Activity.FullRefundBefore = 0, 0 }, "ZUJU_ACTIVITY_CANCEL_CUTOFF"},
		{"cancel cutoff inside the check-in window", func(c *Config) { c.Activity.CancelCutoff = 119 * time.Minute }, "ZUJU_ACTIVITY_CANCEL_CUTOFF"},
		{"cancel cutoff at the check-in window", func(c *Config) { c.Activity.CancelCutoff = 2 * time.Hour }, ""},
		{"negative cancel cutoff", func(c *Config) { c.Activity.CancelCutoff = -time.Hour }, "ZUJU_ACTIVITY_CANCEL_CUTOFF"},
		{"full refund inside the cutoff", func(c *Config) { c.Activity.FullRefundBefore = time.Hour }, "ZUJU_ACTIVITY_FULL_REFUND_BEFORE"},
		{"refund share above 100", func(c *Config) { c.Activity.LateRefundPercent = 101 }, "ZUJU_ACTIVITY_LATE_REFUND_PERCENT"},
		{"no late refund", func(c *Config) { c.Activity.LateRefundPercent = 0 }, ""},
		{"words refresh too fast", func(c *Config) { c.Moderation.Refresh = 10 * time.Millisecond }, "ZUJU_MODERATION_REFRESH"},
		{"wechat check without the mini program", func(c *Config) { c.Moderation.WeChat = "on" }, "ZUJU_MODERATION_WECHAT=on needs"},
		{"wechat check with the mini program", func(c *Config) {
			c.Moderation.WeChat, c.WeChat.AppID, c.WeChat.Secret = "on", "wx1", "s"
		}, ""},
		{"wechat check neither on nor off", func(c *Config) { c.Moderation.WeChat = "yes" }, "ZUJU_MODERATION_WECHAT must be on or off"},
		{"wechat check timeout too long", func(c *Config) { c.Moderation.WeChatTimeout = time.Minute }, "ZUJU_MODERATION_WECHAT_TIMEOUT"},
		{"stats zone unknown", func(c *Config) { c.Stats.Timezone = "Mars/Olympus" }, "ZUJU_STATS_TIMEZONE"},
		{"stats zone empty", func(c *Config) { c.Stats.Timezone = "" }, "ZUJU_STATS_TIMEZONE"},
		{"stats zone UTC", func(c *Config) { c.Stats.Timezone = "UTC" }, ""},
		{"job timeout too short", func(c *Config) { c.Jobs.Timeout = 100 * time.Millisecond }, "ZUJU_JOBS_TIMEOUT"},
		{"rescue before the timeout", func(c *Config) { c.Jobs.RescueAfter = c.Jobs.Timeout }, "ZUJU_JOBS_RESCUE_AFTER"},
		{"short jobs rescued soon", func(c *Config) { c.Jobs.Timeout, c.Jobs.RescueAfter = 5*time.Second, 6*time.Second }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("want %s problem, got %v", tc.wantErr, err)
			}
		})
	}
}

func TestProductionRules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"missing JWT secret", func(c *Config) { c.JWTSecret = "" }, "ZUJU_JWT_SECRET is required in production"},
		{"rate limits off", func(c *Config) { c.RateLimit = "off" }, "ZUJU_RATELIMIT=off is refused"},
		{"log SMS provider", func(c *Config) { c.SMS.Provider = "log" }, "ZUJU_SMS_PROVIDER=log"},
		{"wildcard CORS", func(c *Config) { c.CORSOrigins = []string{"https://a.example", "*"} }, "ZUJU_CORS_ORIGINS=* is refused"},
		{"demo password", func(c *Config) { c.Demo.Password = "demo1234" }, "ZUJU_DEMO_PASSWORD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := prodOK()
			tc.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("production accepted it or said something else: %v", err)
			}
			// The same setting is fine in development (the log provider
			// needs nothing else; a missing secret is generated there).
			c.Env = EnvDevelopment
			if err := c.Validate(); err != nil {
				t.Fatalf("development rejects it: %v", err)
			}
		})
	}

	// All production problems are reported together.
	c := prodOK()
	c.JWTSecret, c.RateLimit, c.SMS.Provider, c.Demo.Password = "", "off", "log", "x"
	c.CORSOrigins = []string{"*"}
	err := c.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	if n := strings.Count(err.Error(), "\n  - "); n != 5 {
		t.Fatalf("%d problems, want 5:\n%v", n, err)
	}

	// Production via the environment.
	env := map[string]string{"ZUJU_ENV": "production", "ZUJU_RATELIMIT": "off"}
	lc, err := Load(envOf(env), "")
	if err != nil {
		t.Fatal(err)
	}
	if !lc.Production() || lc.Validate() == nil {
		t.Fatal("production loaded from the environment without a secret validates")
	}
}

func fieldByKey(t *testing.T, c *Config, key string) Field {
	t.Helper()
	for _, f := range Fields(c) {
		if f.Key == key {
			return f
		}
	}
	t.Fatalf("no field %q", key)
	return Field{}
}

func TestFieldsMaskSecrets(t *testing.T) {
	c := Default()
	c.JWTSecret = "jwt-secret-value-jwt-secret-value"
	c.WeChat.Secret = "wechat-secret-value"
	c.WeChat.AppID = "wx-visible"
	c.SMS.Tencent.SecretKey = "tencent-key-value"
	c.Files.S3SecretKey = "s3-secret-value"
	c.Demo.Password = "demo-password-value"
	c.DatabaseURL = "postgres://u:pw-db@h/db"
	c.RedisURL = "redis://:pw-redis@cache:6379/0"
	c.AMQPURL = "amqp://guest:pw-amqp@mq:5672/"
	c.CORSOrigins = []string{"https://a.example", "https://b.example"}

	cases := []struct {
		key, secret, hidden, want string
	}{
		{"jwt_secret", "jwt-secret-value-jwt-secret-value", "jwt-secret-value", "******"},
		{"wechat.secret", "wechat-secret-value", "wechat-secret-value", "******"},
		{"sms.tencent.secret_key", "tencent-key-value", "tencent-key-value", "******"},
		{"files.s3_secret_key", "s3-secret-value", "s3-secret-value", "******"},
		{"demo.password", "demo-password-value", "demo-password-value", "******"},
		{"database_url", "postgres://u:pw-db@h/db", "pw-db", "postgres://u:xxxxx@h/db"},
		{"redis_url", "redis://:pw-redis@cache:6379/0", "pw-redis", ""},
		{"amqp_url", "amqp://guest:pw-amqp@mq:5672/", "pw-amqp", ""},
	}
	for _, tc := range cases {
		f := fieldByKey(t, &c, tc.key)
		got := f.Value()
		if strings.Contains(got, tc.hidden) || got == "" {
			t.Errorf("%s shown as %q", tc.key, got)
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("%s = %q, want %q", tc.key, got, tc.want)
		}
	}
	// A URL without a password stays readable.
	c.DatabaseURL = "postgres://u@h/db"
	if got := fieldByKey(t, &c, "database_url").Value(); got != "postgres://u@h/db" {
		t.Errorf("password-less URL = %q", got)
	}
	// Unset secrets render empty rather than as a mask.
	c.JWTSecret = ""
	if got := fieldByKey(t, &c, "jwt_secret").Value(); got != "" {
		t.Errorf("empty secret = %q", got)
	}
	// Plain values render as they are.
	plain := map[string]string{
		"wechat.appid":   "wx-visible",
		"cors_origins":   "https://a.example,https://b.example",
		"shutdown_grace": "20s",
		"max_body_bytes": "1048576",
		"env":            "development",
	}
	for key, want := range plain {
		if got := fieldByKey(t, &c, key).Value(); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

func TestFieldsDocumentedWithUniqueEnvNames(t *testing.T) {
	c := Default()
	fields := Fields(&c)
	if len(fields) < 40 {
		t.Fatalf("only %d fields; nested sections not walked?", len(fields))
	}
	envs := map[string]string{}
	keys := map[string]bool{}
	for _, f := range fields {
		if f.Doc == "" {
			t.Errorf("%s has no doc", f.Key)
		}
		want := "ZUJU_" + strings.ToUpper(strings.ReplaceAll(f.Key, ".", "_"))
		if f.Env != want {
			t.Errorf("%s: env %s, want %s", f.Key, f.Env, want)
		}
		if other, dup := envs[f.Env]; dup {
			t.Errorf("%s and %s share %s", other, f.Key, f.Env)
		}
		envs[f.Env] = f.Key
		if keys[f.Key] {
			t.Errorf("duplicate key %s", f.Key)
		}
		keys[f.Key] = true
		if f.Secret != "" && f.Secret != "true" && f.Secret != "url" {
			t.Errorf("%s: unknown secret kind %q", f.Key, f.Secret)
		}
	}
	for _, env := range []string{"ZUJU_WECHAT_APPID", "ZUJU_RATELIMIT", "ZUJU_RATELIMIT_LOGIN_PER_IP", "ZUJU_SMS_TENCENT_SECRET_KEY", "ZUJU_DEMO_PASSWORD"} {
		if _, ok := envs[env]; !ok {
			t.Errorf("no field for %s", env)
		}
	}
	// Every field can be set through its environment variable: a value
	// set for each one must change the loaded configuration.
	for _, f := range fields {
		val := "x"
		switch f.value.Interface().(type) {
		case time.Duration:
			val = "1234s"
		case int, int64:
			val = "1234"
		}
		got, err := Load(envOf(map[string]string{f.Env: val}), "")
		if err != nil {
			t.Errorf("%s: %v", f.Env, err)
			continue
		}
		if reflect.DeepEqual(got, Default()) {
			t.Errorf("%s has no effect", f.Env)
		}
	}
}

func TestEnsureSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	c := Default()
	c.DataDir = dir
	if err := c.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "jwt-secret")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("jwt-secret mode %o, want 600", perm)
	}
	if len(c.JWTSecret) < 32 {
		t.Errorf("generated secret too short: %d", len(c.JWTSecret))
	}
	b, _ := os.ReadFile(path)
	if strings.TrimSpace(string(b)) != c.JWTSecret {
		t.Errorf("stored %q, in memory %q", b, c.JWTSecret)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("generated secret does not validate: %v", err)
	}

	// The next start reuses it.
	c2 := Default()
	c2.DataDir = dir
	if err := c2.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	if c2.JWTSecret != c.JWTSecret {
		t.Errorf("secret not reused: %q vs %q", c2.JWTSecret, c.JWTSecret)
	}

	// Another data dir gets another secret.
	c3 := Default()
	c3.DataDir = t.TempDir()
	if err := c3.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	if c3.JWTSecret == c.JWTSecret {
		t.Error("two data dirs share a generated secret")
	}

	// A stored secret that is too short is replaced.
	shortDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(shortDir, "jwt-secret"), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c4 := Default()
	c4.DataDir = shortDir
	if err := c4.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	if len(c4.JWTSecret) < 32 {
		t.Errorf("short stored secret kept: %q", c4.JWTSecret)
	}

	// A configured secret is left alone and nothing is written.
	c5 := Default()
	c5.DataDir = filepath.Join(t.TempDir(), "untouched")
	c5.JWTSecret = strings.Repeat("k", 40)
	if err := c5.EnsureSecrets(); err != nil || c5.JWTSecret != strings.Repeat("k", 40) {
		t.Fatalf("configured secret: %q %v", c5.JWTSecret, err)
	}
	if _, err := os.Stat(c5.DataDir); !os.IsNotExist(err) {
		t.Errorf("data dir created although a secret was configured: %v", err)
	}

	// Production never generates one.
	c6 := prodOK()
	c6.JWTSecret = ""
	c6.DataDir = filepath.Join(t.TempDir(), "prod")
	if err := c6.EnsureSecrets(); err == nil {
		t.Fatal("production generated a JWT secret")
	}
	if _, err := os.Stat(filepath.Join(c6.DataDir, "jwt-secret")); !os.IsNotExist(err) {
		t.Errorf("production wrote a secret file: %v", err)
	}
}

func TestBaseURL(t *testing.T) {
	cases := []struct{ addr, public, want string }{
		{":8080", "", "http://localhost:8080"},
		{"0.0.0.0:9000", "", "http://localhost:9000"},
		{"[::]:9000", "", "http://localhost:9000"},
		{"127.0.0.1:8081", "", "http://127.0.0.1:8081"},
		{":8080", "https://zuju.example/", "https://zuju.example"},
	}
	for _, tc := range cases {
		c := Default()
		c.HTTPAddr, c.PublicURL = tc.addr, tc.public
		if got := c.BaseURL(); got != tc.want {
			t.Errorf("BaseURL(%q, %q) = %q, want %q", tc.addr, tc.public, got, tc.want)
		}
	}
}
