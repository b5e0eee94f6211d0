package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/users"
	"github.com/zuju/zuju/internal/users/usersstore"
)

// DefaultDemoPassword is the password of demo accounts when
// ZUJU_DEMO_PASSWORD is not set (development only).
const DefaultDemoPassword = "zuju2026demo"

// demoTags is the starter interest tag catalog.
var demoTags = map[string][]string{
	"运动": {"篮球", "羽毛球", "跑步", "徒步", "骑行", "飞盘"},
	"文艺": {"读书", "摄影", "电影", "音乐", "话剧", "手工"},
	"桌游": {"剧本杀", "狼人杀", "桌游", "密室逃脱"},
	"学习": {"英语角", "编程", "考研", "创业"},
	"生活": {"美食", "咖啡", "宠物", "旅行", "志愿者"},
}

// SeedDemo adds the tag catalog and demo accounts (idempotent).
func (a *App) SeedDemo(ctx context.Context, w io.Writer) error {
	store := usersstore.New(a.DB.Gorm)
	var tags []users.Tag
	now := a.Now().UTC()
	for cat, names := range demoTags {
		for i, n := range names {
			tags = append(tags, users.Tag{ID: uuid.Must(uuid.NewV7()).String(), Name: n, Category: cat, Sort: i, CreatedAt: now})
		}
	}
	if err := store.EnsureTags(ctx, tags); err != nil {
		return err
	}
	password := a.Config.Demo.Password
	if password == "" {
		password = DefaultDemoPassword
	}
	hash, err := auth.NewHasher(auth.OWASPParams, 1).Hash(ctx, password)
	if err != nil {
		return err
	}
	demo := []struct {
		phone, email, nick, city string
		roles                    []auth.Role
	}{
		{"", demoAdminEmail, "平台管理员", "北京", []auth.Role{auth.RoleUser, auth.RoleSuperAdmin}},
		{"", "moderator@zuju.local", "内容审核员", "北京", []auth.Role{auth.RoleUser, auth.RoleModerator}},
		{"13800000001", "", "篮球社小李", "上海", []auth.Role{auth.RoleUser, auth.RoleOrganizer}},
		{"13800000002", "", "爱读书的小王", "杭州", []auth.Role{auth.RoleUser}},
		{"13800000003", "", "周末徒步张同学", "北京", []auth.Role{auth.RoleUser}},
	}
	fmt.Fprintf(w, "Demo accounts (password %q):\n", password)
	for _, d := range demo {
		u := &users.User{ID: uuid.Must(uuid.NewV7()).String(), Phone: d.phone, Email: d.email, PasswordHash: hash,
			Nickname: d.nick, City: d.city, Roles: d.roles, Status: users.StatusActive, CreatedAt: now, UpdatedAt: now}
		err := store.CreateUser(ctx, u)
		if err != nil && !errors.Is(err, users.ErrAccountExists) {
			return err
		}
		account := d.phone
		if account == "" {
			account = d.email
		}
		fmt.Fprintf(w, "  %-22s %s (%v)\n", account, d.nick, d.roles)
	}
	fmt.Fprintf(w, "Interest tags: %d in %d categories\n", len(tags), len(demoTags))
	return nil
}

// demoAdminEmail marks a database that holds demo data.
const demoAdminEmail = "admin@zuju.local"

// refuseDemoData stops a production start on a database with demo
// accounts, whose password is public.
func (a *App) refuseDemoData(ctx context.Context) error {
	_, err := usersstore.New(a.DB.Gorm).UserByEmail(ctx, demoAdminEmail)
	switch {
	case errors.Is(err, users.ErrUserNotFound):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("this database holds the demo accounts of 'zuju seed --demo' (%s), whose password is public: remove them before running in production", demoAdminEmail)
}
