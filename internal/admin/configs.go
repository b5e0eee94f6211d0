package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
)

// ConfigType is the type of a config value.
type ConfigType string

// Config value types.
const (
	TypeInt      ConfigType = "int"
	TypeBool     ConfigType = "bool"
	TypeString   ConfigType = "string"
	TypeDuration ConfigType = "duration" // a Go duration string: "90s", "72h"
	TypeJSON     ConfigType = "json"
)

// ConfigKey declares one known config key.
type ConfigKey struct {
	Key         string
	Type        ConfigType
	Description string // Chinese, shown in the admin console
	// Default is the value (as JSON) while none is stored.
	Default string
	// Min and Max bound int values and durations (in seconds) when Max > 0.
	Min, Max int64
	// MaxLen bounds string values when > 0.
	MaxLen int
	// ReadBy names the module that reads the key; empty while no module
	// reads it yet (setting it then changes nothing).
	ReadBy string
	// Validate checks a decoded value further (JSON keys check their
	// schema here); it returns a Chinese reason.
	Validate func(v any) error
}

// The known config keys.
const (
	// KeyAnnouncementsCacheTTL is how long the public announcement list is
	// cached (used by this module).
	KeyAnnouncementsCacheTTL = "announcements.cache_ttl"
	// KeyAnnouncementsPublicLimit is how many announcements the apps are
	// shown at most (used by this module).
	KeyAnnouncementsPublicLimit = "announcements.public_limit"
	// KeyReportsAutoHideThreshold is how many reports hide a target
	// pending review (for the reports module, which reads
	// ZUJU_REPORTS_AUTOHIDE today).
	KeyReportsAutoHideThreshold = "reports.auto_hide_threshold"
	// KeyChatReadOnlyHours is how many hours after an activity ends its
	// chat room turns read-only (for the chat module).
	KeyChatReadOnlyHours = "chat.read_only_hours"
	// KeySignupsOpen turns new sign-ups on or off platform-wide.
	KeySignupsOpen = "activities.signups_open"
	// KeySiteNotice is a one-line notice above the apps' home pages.
	KeySiteNotice = "site.notice"
	// KeyHomeBanners lists the H5 home page banners.
	KeyHomeBanners = "home.banners"
)

// Banner is one item of home.banners.
type Banner struct {
	ImageURL string `json:"image_url"`
	Link     string `json:"link"`
	Title    string `json:"title"`
}

// Registry returns the known keys, sorted by key.
func Registry() []ConfigKey {
	keys := []ConfigKey{
		{Key: KeyAnnouncementsCacheTTL, Type: TypeDuration, Default: `"15s"`, Min: 1, Max: 600, ReadBy: "admin",
			Description: "公告列表缓存时长（1 秒到 10 分钟）"},
		{Key: KeyAnnouncementsPublicLimit, Type: TypeInt, Default: `20`, Min: 1, Max: 100, ReadBy: "admin",
			Description: "应用内最多展示的公告条数"},
		{Key: KeyReportsAutoHideThreshold, Type: TypeInt, Default: `5`, Min: 0, Max: 1000, ReadBy: "reports",
			Description: "被举报多少次后自动隐藏并等待审核（0 为不自动隐藏；未设置时为 ZUJU_REPORTS_AUTOHIDE）"},
		{Key: KeyChatReadOnlyHours, Type: TypeInt, Default: `72`, Min: 0, Max: 2160, ReadBy: "chat",
			Description: "活动结束多少小时后聊天室变为只读（对此后开启的聊天室生效；未设置时为 ZUJU_CHAT_READ_ONLY_AFTER）"},
		{Key: KeySignupsOpen, Type: TypeBool, Default: `true`, ReadBy: "activities",
			Description: "是否开放活动报名（关闭后不再接受新报名；已有报名、取消和候补邀请不受影响）"},
		{Key: KeySiteNotice, Type: TypeString, Default: `""`, MaxLen: 200, ReadBy: "admin",
			Description: "首页顶部提示语，最多 200 字（GET /site）"},
		{Key: KeyHomeBanners, Type: TypeJSON, Default: `[]`, Validate: validateBanners, ReadBy: "admin",
			Description: "首页轮播图：[{image_url, link, title}]，最多 10 个（GET /site）"},
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Key < keys[j].Key })
	return keys
}

func validateBanners(v any) error {
	b, _ := json.Marshal(v)
	var list []Banner
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return errors.New("须为 [{image_url, link, title}] 数组")
	}
	if len(list) > 10 {
		return errors.New("最多 10 个轮播图")
	}
	for _, it := range list {
		if it.ImageURL == "" || len(it.ImageURL) > 500 || len(it.Link) > 500 || len([]rune(it.Title)) > 50 {
			return errors.New("image_url 必填且不超过 500 字符，link 不超过 500 字符，title 不超过 50 字")
		}
	}
	return nil
}

// ConfigValue is a key with its current value.
type ConfigValue struct {
	ConfigKey
	Value     json.RawMessage
	IsDefault bool
}

// Configs holds the config values of this replica: loaded from the store
// and reloaded when its version moves (Watch), so a change made on any
// replica applies everywhere within the poll interval. Its getters never
// fail: an unknown key or a value of another type gives the zero value
// (and a logged warning).
type Configs struct {
	store ConfigStore
	log   *slog.Logger
	keys  map[string]ConfigKey
	mu    sync.Mutex // serializes reloads
	state atomic.Pointer[configState]
}

type configState struct {
	version int64
	values  map[string]any // decoded, defaults filled in
	stored  map[string]string
}

// NewConfigs returns the configs over store, holding the defaults until
// Refresh. defaults replace the registry's defaults of some keys (the
// deployment's settings, e.g. ZUJU_REPORTS_AUTOHIDE): a key nobody set
// in the console has the deployment's value; one that is invalid for its
// key is logged and ignored.
func NewConfigs(store ConfigStore, log *slog.Logger, defaults map[string]any) *Configs {
	c := &Configs{store: store, log: log, keys: map[string]ConfigKey{}}
	for _, k := range Registry() {
		if v, ok := defaults[k.Key]; ok {
			raw, err := json.Marshal(v)
			if err == nil {
				_, err = decodeValue(k, raw)
			}
			if err != nil {
				log.Warn("deployment default of a system config ignored", "key", k.Key, "err", err)
			} else {
				k.Default = string(raw)
			}
		}
		c.keys[k.Key] = k
	}
	c.state.Store(c.build(-1, nil))
	return c
}

func (c *Configs) build(version int64, stored map[string]string) *configState {
	st := &configState{version: version, values: map[string]any{}, stored: stored}
	for key, k := range c.keys {
		raw := k.Default
		if v, ok := stored[key]; ok {
			if _, err := decodeValue(k, json.RawMessage(v)); err == nil {
				raw = v
			} else {
				c.log.Warn("stored config value is not valid, using the default", "key", key, "err", err)
			}
		}
		v, _ := decodeValue(k, json.RawMessage(raw))
		st.values[key] = v
	}
	return st
}

// Refresh reloads the values when the stored version moved.
func (c *Configs) Refresh(ctx context.Context) error {
	if c.store == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.store.ConfigVersion(ctx)
	if err != nil || v == c.state.Load().version {
		return err
	}
	stored, v, err := c.store.ConfigValues(ctx)
	if err != nil {
		return err
	}
	c.state.Store(c.build(v, stored))
	return nil
}

// Watch refreshes every interval until ctx ends.
func (c *Configs) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("refresh system configs", "err", err)
			}
		}
	}
}

func (c *Configs) value(key string, want ConfigType) any {
	k, ok := c.keys[key]
	if !ok || k.Type != want {
		c.log.Warn("config read with an unknown key or another type", "key", key, "type", want)
		return nil
	}
	return c.state.Load().values[key]
}

// Int returns an int key's value.
func (c *Configs) Int(key string) int64 { v, _ := c.value(key, TypeInt).(int64); return v }

// Bool returns a bool key's value.
func (c *Configs) Bool(key string) bool { v, _ := c.value(key, TypeBool).(bool); return v }

// String returns a string key's value.
func (c *Configs) String(key string) string { v, _ := c.value(key, TypeString).(string); return v }

// Duration returns a duration key's value.
func (c *Configs) Duration(key string) time.Duration {
	v, _ := c.value(key, TypeDuration).(time.Duration)
	return v
}

// Decode decodes a JSON key's value into dst.
func (c *Configs) Decode(key string, dst any) error {
	v := c.value(key, TypeJSON)
	if v == nil {
		return fmt.Errorf("config %s: not a JSON key", key)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// decodeValue checks raw against k and returns it decoded (int64, bool,
// string, time.Duration or the JSON value).
func decodeValue(k ConfigKey, raw json.RawMessage) (any, error) {
	var out any
	if raw == nil || string(bytes.TrimSpace(raw)) == "null" {
		return nil, errors.New("不能为空")
	}
	switch k.Type {
	case TypeInt:
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, errors.New("须为整数")
		}
		if k.Max > 0 && (n < k.Min || n > k.Max) {
			return nil, fmt.Errorf("须在 %d 到 %d 之间", k.Min, k.Max)
		}
		out = n
	case TypeBool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, errors.New("须为 true 或 false")
		}
		out = b
	case TypeString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("须为字符串")
		}
		if k.MaxLen > 0 && len([]rune(s)) > k.MaxLen {
			return nil, fmt.Errorf("最多 %d 个字", k.MaxLen)
		}
		out = s
	case TypeDuration:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New(`须为时长字符串，如 "30s"、"2h"`)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, errors.New(`须为时长字符串，如 "30s"、"2h"`)
		}
		if k.Max > 0 && (d < time.Duration(k.Min)*time.Second || d > time.Duration(k.Max)*time.Second) {
			return nil, fmt.Errorf("须在 %d 秒到 %d 秒之间", k.Min, k.Max)
		}
		out = d
	case TypeJSON:
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, errors.New("须为 JSON")
		}
	}
	if k.Validate != nil {
		if err := k.Validate(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Configs returns this replica's config values, for other modules to read.
func (s *Service) Configs() *Configs { return s.configs }

// ListConfigs lists every known key with its value (staff).
func (s *Service) ListConfigs(ctx context.Context) ([]ConfigValue, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, err
	}
	if err := s.configs.Refresh(ctx); err != nil {
		return nil, err
	}
	st := s.configs.state.Load()
	out := make([]ConfigValue, 0, len(s.configs.keys))
	for _, reg := range Registry() {
		k := s.configs.keys[reg.Key] // with the deployment's default
		cv := ConfigValue{ConfigKey: k, Value: json.RawMessage(k.Default), IsDefault: true}
		if v, ok := st.stored[k.Key]; ok {
			cv.Value, cv.IsDefault = json.RawMessage(v), false
		}
		out = append(out, cv)
	}
	return out, nil
}

// SetConfig validates and stores a value (super admins only; audited);
// it applies here at once and on the other replicas within their poll
// interval.
func (s *Service) SetConfig(ctx context.Context, key string, raw json.RawMessage) (*ConfigValue, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleSuperAdmin); err != nil {
		return nil, err
	}
	k, ok := s.configs.keys[key]
	if !ok {
		return nil, ErrConfigNotFound
	}
	v, err := decodeValue(k, raw)
	if err != nil {
		return nil, ErrConfigInvalid.WithDetail(fmt.Sprintf("配置 %s 的值不合法：%s", key, err.Error()))
	}
	canon, _ := json.Marshal(v)
	if k.Type == TypeDuration {
		canon, _ = json.Marshal(v.(time.Duration).String())
	}
	before := k.Default
	if old, ok := s.configs.state.Load().stored[key]; ok {
		before = old
	}
	if err := s.configStore().SetConfig(ctx, key, string(canon), before, s.now().UTC()); err != nil {
		return nil, err
	}
	if err := s.configs.Refresh(ctx); err != nil {
		s.log.Warn("refresh system configs", "err", err)
	}
	return &ConfigValue{ConfigKey: k, Value: canon}, nil
}

func (s *Service) configStore() ConfigStore { return s.configs.store }

// Site is what the apps show on their home pages from the system configs.
type Site struct {
	Notice  string
	Banners []Banner
}

// Site reads the home page's notice and banners (anyone).
func (s *Service) Site() Site {
	out := Site{Notice: s.configs.String(KeySiteNotice), Banners: []Banner{}}
	if err := s.configs.Decode(KeyHomeBanners, &out.Banners); err != nil || out.Banners == nil {
		out.Banners = []Banner{}
	}
	return out
}
