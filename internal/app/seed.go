package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/activities/activitiesstore"
	"github.com/zuju/zuju/internal/payments/membership"
	"github.com/zuju/zuju/internal/payments/paymentsstore"
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
	store := usersstore.New(a.DB)
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
	return a.seedActivities(ctx, w)
}

// seedActivities adds the activity types and a few published activities of
// the demo organizer, once.
func (a *App) seedActivities(ctx context.Context, w io.Writer) error {
	store := activitiesstore.New(a.DB)
	now := a.Now().UTC().Truncate(time.Hour)
	typeIDs := map[string]string{}
	for i, name := range []string{"运动", "桌游", "户外", "学习", "文艺", "聚餐"} {
		t := &activities.Type{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Sort: i, CreatedAt: now}
		err := store.CreateType(ctx, t, activities.Audit{Action: "activity_type.seed", TargetType: "activity_type", TargetID: t.ID})
		if err != nil && !errors.Is(err, activities.ErrTypeExists) {
			return err
		}
	}
	types, err := store.Types(ctx)
	if err != nil {
		return err
	}
	for _, t := range types {
		typeIDs[t.Name] = t.ID
	}
	org, err := usersstore.New(a.DB).UserByPhone(ctx, "13800000001")
	if err != nil {
		return err
	}
	if mine, err := store.List(ctx, activities.Filter{OrganizerID: org.ID, Limit: 1}); err != nil || len(mine) > 0 {
		return err
	}
	demo := []struct {
		title, typ, city, address, desc string
		days, hours, min, max           int
		lat, lng                        float64
		priceFen                        int64
		memberOnly                      bool
	}{
		{"周末篮球局（新手友好）", "运动", "上海", "徐汇区徐家汇体育公园 3 号场", "全场 5v5，水平不限，自带球衣颜色深浅各一件。", 3, 2, 6, 12, 31.18, 121.43, 0, false},
		{"周五晚剧本杀：《长安夜》", "桌游", "上海", "静安区南京西路 1266 号 5 楼", "6 人本，推理为主，新人有 DM 带。费用含场地与 DM。", 5, 4, 6, 6, 31.23, 121.45, 6800, false},
		{"香山秋日徒步", "户外", "北京", "香山公园东门集合", "全程约 8 公里，中等强度，请穿登山鞋、带水。", 7, 5, 5, 20, 39.99, 116.19, 0, false},
		{"英语角 · 聊聊旅行", "学习", "杭州", "西湖区文三路 478 号咖啡馆", "全英文交流，每人准备一个旅行故事。", 2, 2, 3, 15, 30.28, 120.13, 0, false},
		{"会员专享 · 咖啡品鉴会", "学习", "上海", "黄浦区复兴中路 523 号", "品鉴三款手冲，会员专享，名额有限。", 9, 2, 3, 10, 31.21, 121.47, 0, true},
	}
	for _, d := range demo {
		start := now.Add(time.Duration(d.days) * 24 * time.Hour)
		ac := &activities.Activity{ID: uuid.Must(uuid.NewV7()).String(), Title: d.title, TypeID: typeIDs[d.typ], City: d.city,
			Address: d.address, Lat: d.lat, Lng: d.lng, StartAt: start, EndAt: start.Add(time.Duration(d.hours) * time.Hour),
			SignupDeadline: start.Add(-12 * time.Hour), MinParticipants: d.min, MaxParticipants: d.max, Description: d.desc,
			PriceFen: d.priceFen, MemberOnly: d.memberOnly,
			Status: activities.StatusDraft, OrganizerID: org.ID, CreatedAt: now, UpdatedAt: now}
		if err := store.Create(ctx, ac); err != nil {
			return err
		}
		if _, err := store.SetStatus(ctx, ac.ID, activities.StatusDraft, activities.StatusPublished, now, "", activities.Audit{}); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "Activities: %d types, %d published by %s\n", len(types), len(demo), org.Nickname)
	return a.seedPlans(ctx, w, now)
}

// seedPlans adds the demo membership plans (paid through the sandbox).
func (a *App) seedPlans(ctx context.Context, w io.Writer, now time.Time) error {
	store := paymentsstore.NewMemberships(a.DB)
	if plans, err := store.Plans(ctx, false); err != nil || len(plans) > 0 {
		return err
	}
	for _, p := range []membership.Plan{
		{Name: "月度会员", DurationDays: 30, PriceFen: 1990},
		{Name: "年度会员", DurationDays: 365, PriceFen: 16800},
	} {
		p.ID, p.Enabled, p.CreatedAt, p.UpdatedAt = uuid.Must(uuid.NewV7()).String(), true, now, now
		if err := store.CreatePlan(ctx, &p, membership.Audit{Action: "membership_plan.create", TargetType: "membership_plan", TargetID: p.ID}); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "Membership plans: 月度会员 ¥19.90, 年度会员 ¥168.00 (pay in the sandbox)")
	return nil
}

// demoAdminEmail marks a database that holds demo data.
const demoAdminEmail = "admin@zuju.local"

// refuseDemoData stops a production start on a database with demo
// accounts, whose password is public.
func (a *App) refuseDemoData(ctx context.Context) error {
	_, err := usersstore.New(a.DB).UserByEmail(ctx, demoAdminEmail)
	switch {
	case errors.Is(err, users.ErrUserNotFound):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("this database holds the demo accounts of 'zuju seed --demo' (%s), whose password is public: remove them before running in production", demoAdminEmail)
}
