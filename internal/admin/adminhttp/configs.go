package adminhttp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/platform/httpx"
	"github.com/zuju/zuju/internal/platform/reqctx"
)

func registerConfigs(api huma.API, svc *admin.Service) {
	tag := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "get-site", Method: http.MethodGet, Path: "/site",
		Summary: "The apps' home page notice and banners (system configs site.notice and home.banners)", Tags: []string{"Announcements"}},
		func(ctx context.Context, _ *struct{}) (*siteOut, error) {
			site := svc.Site()
			out := &siteOut{CacheControl: "public, max-age=15"}
			out.Body.Notice = site.Notice
			out.Body.Banners = make([]SiteBanner, len(site.Banners))
			for i, b := range site.Banners {
				out.Body.Banners[i] = SiteBanner{ImageURL: b.ImageURL, Link: b.Link, Title: b.Title}
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "admin-list-configs", Method: http.MethodGet, Path: "/admin/configs",
		Summary: "Every known system config key with its type, default and current value (staff)", Tags: tag, Security: bearer},
		func(ctx context.Context, _ *struct{}) (*adminConfigsOut, error) {
			list, err := svc.ListConfigs(ctx)
			if err != nil {
				return nil, err
			}
			out := &adminConfigsOut{}
			out.Body.Items = make([]AdminConfig, len(list))
			for i := range list {
				out.Body.Items[i] = toConfig(&list[i])
			}
			out.Body.Total = len(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "admin-set-config", Method: http.MethodPut, Path: "/admin/configs/{key}",
		Summary:     "Set a config value, typed and validated (super admins; audited; applies on every replica within seconds)",
		Description: "An unknown key is 404 config.not_found; a value of the wrong type or out of range is 422 config.invalid_value.",
		Tags:        tag, Security: bearer, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		func(ctx context.Context, in *adminConfigSetIn) (*configOut, error) {
			raw, err := json.Marshal(in.Body.Value)
			if err != nil {
				return nil, huma.Error422UnprocessableEntity("value 不是有效的 JSON")
			}
			cv, err := svc.SetConfig(ctx, in.Key, raw)
			if err != nil {
				if errors.Is(err, admin.ErrConfigInvalid) {
					// A well-formed request whose value breaks the key's rules.
					p := httpx.ProblemFor(reqctx.From(ctx).RequestID, http.StatusUnprocessableEntity, "", err)
					p.Status, p.Title = http.StatusUnprocessableEntity, http.StatusText(http.StatusUnprocessableEntity)
					return nil, p
				}
				return nil, err
			}
			return &configOut{Body: toConfig(cv)}, nil
		})
}

// AdminConfig is one system config key with its value.
type AdminConfig struct {
	Key         string `json:"key"`
	Type        string `json:"type" enum:"int,bool,string,duration,json"`
	Description string `json:"description"`
	Value       any    `json:"value" doc:"the current value, typed (a duration is a string such as \"15s\")"`
	Default     any    `json:"default"`
	IsDefault   bool   `json:"is_default"`
	Min         *int64 `json:"min,omitempty" doc:"lowest int value (durations: seconds)"`
	Max         *int64 `json:"max,omitempty" doc:"highest int value (durations: seconds)"`
	MaxLength   int    `json:"max_length,omitempty"`
	ReadBy      string `json:"read_by" doc:"the module that reads the key; empty while none does yet (setting it then changes nothing)"`
}

func toConfig(cv *admin.ConfigValue) AdminConfig {
	c := AdminConfig{Key: cv.Key, Type: string(cv.Type), Description: cv.Description, IsDefault: cv.IsDefault, MaxLength: cv.MaxLen, ReadBy: cv.ReadBy}
	_ = json.Unmarshal(cv.Value, &c.Value)
	_ = json.Unmarshal([]byte(cv.ConfigKey.Default), &c.Default)
	if cv.ConfigKey.Max > 0 {
		lo, hi := cv.ConfigKey.Min, cv.ConfigKey.Max
		c.Min, c.Max = &lo, &hi
	}
	return c
}

type adminConfigsOut struct {
	Body struct {
		Items []AdminConfig `json:"items"`
		Total int           `json:"total"`
	}
}

type adminConfigSetIn struct {
	Key  string `path:"key" maxLength:"100"`
	Body struct {
		Value any `json:"value" doc:"the new value, of the key's type"`
	}
}

type configOut struct{ Body AdminConfig }

// SiteBanner is one home page banner.
type SiteBanner struct {
	ImageURL string `json:"image_url"`
	Link     string `json:"link"`
	Title    string `json:"title"`
}

type siteOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		// Notice is a one-line notice above the home page (empty: none).
		Notice  string       `json:"notice"`
		Banners []SiteBanner `json:"banners"`
	}
}
