package usershttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/users"
)

func registerAdmin(api huma.API, h handlers) {
	tag := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-list-users", Method: http.MethodGet, Path: "/admin/users",
		Summary: "Search accounts", Tags: tag, Security: bearer}, h.adminList)
	huma.Register(api, huma.Operation{OperationID: "admin-get-user", Method: http.MethodGet, Path: "/admin/users/{id}",
		Summary: "One account with contact data (the read is audited)", Tags: tag, Security: bearer}, h.adminGet)
	huma.Register(api, huma.Operation{OperationID: "admin-ban-user", Method: http.MethodPost, Path: "/admin/users/{id}/ban",
		Summary: "Ban an account (no until = permanent); ends its sessions", Tags: tag, Security: bearer}, h.ban)
	huma.Register(api, huma.Operation{OperationID: "admin-unban-user", Method: http.MethodPost, Path: "/admin/users/{id}/unban",
		Summary: "Lift a ban", Tags: tag, Security: bearer}, h.unban)
	huma.Register(api, huma.Operation{OperationID: "admin-set-roles", Method: http.MethodPut, Path: "/admin/users/{id}/roles",
		Summary: "Replace an account's roles (admins)", Tags: tag, Security: bearer}, h.setRoles)
	huma.Register(api, huma.Operation{OperationID: "admin-list-tags", Method: http.MethodGet, Path: "/admin/tags",
		Summary: "Interest tag catalog", Tags: tag, Security: bearer}, h.adminTags)
	huma.Register(api, huma.Operation{OperationID: "admin-create-tag", Method: http.MethodPost, Path: "/admin/tags",
		Summary: "Add an interest tag", Tags: tag, Security: bearer, DefaultStatus: http.StatusCreated}, h.createTag)
	huma.Register(api, huma.Operation{OperationID: "admin-update-tag", Method: http.MethodPatch, Path: "/admin/tags/{id}",
		Summary: "Change an interest tag", Tags: tag, Security: bearer}, h.updateTag)
	huma.Register(api, huma.Operation{OperationID: "admin-delete-tag", Method: http.MethodDelete, Path: "/admin/tags/{id}",
		Summary: "Delete an interest tag", Tags: tag, Security: bearer, DefaultStatus: http.StatusNoContent}, h.deleteTag)
}

// PageIn is the admin pagination query.
type PageIn struct {
	Page     int `query:"page" minimum:"1" default:"1"`
	PageSize int `query:"page_size" minimum:"1" maximum:"100" default:"20"`
}

type adminListIn struct {
	PageIn
	Q      string `query:"q" maxLength:"100" doc:"nickname, phone, email or id"`
	Role   string `query:"role" enum:"user,organizer,moderator,admin,super_admin,"`
	Status string `query:"status" enum:"active,banned,"`
}

type adminListOut struct {
	Body struct {
		Items []AdminUserDTO `json:"items"`
		Total int64          `json:"total"`
	}
}

func (h handlers) adminList(ctx context.Context, in *adminListIn) (*adminListOut, error) {
	list, total, err := h.svc.AdminList(ctx, users.UserFilter{Query: in.Q, Role: in.Role, Status: in.Status,
		Page: in.Page, PageSize: in.PageSize})
	if err != nil {
		return nil, err
	}
	out := &adminListOut{}
	out.Body.Items = make([]AdminUserDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toAdminListed(&list[i])
	}
	out.Body.Total = total
	return out, nil
}

type adminUserOut struct{ Body AdminUserDTO }

func (h handlers) adminGet(ctx context.Context, in *idIn) (*adminUserOut, error) {
	u, err := h.svc.AdminGet(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &adminUserOut{Body: toAdmin(u)}, nil
}

type banIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Reason string     `json:"reason" maxLength:"500"`
		Until  *time.Time `json:"until,omitempty" doc:"end of the ban; omit for a permanent ban"`
	}
}

func (h handlers) ban(ctx context.Context, in *banIn) (*adminUserOut, error) {
	u, err := h.svc.Ban(ctx, in.ID, in.Body.Reason, timeOrNil(in.Body.Until))
	if err != nil {
		return nil, err
	}
	return &adminUserOut{Body: toAdminListed(u)}, nil
}

type unbanIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body *struct {
		Reason string `json:"reason,omitempty" maxLength:"500"`
	} `required:"false"`
}

func (h handlers) unban(ctx context.Context, in *unbanIn) (*adminUserOut, error) {
	reason := ""
	if in.Body != nil {
		reason = in.Body.Reason
	}
	u, err := h.svc.Unban(ctx, in.ID, reason)
	if err != nil {
		return nil, err
	}
	return &adminUserOut{Body: toAdminListed(u)}, nil
}

type rolesIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Roles []string `json:"roles" maxItems:"5"`
	}
}

func (h handlers) setRoles(ctx context.Context, in *rolesIn) (*adminUserOut, error) {
	u, err := h.svc.SetRoles(ctx, in.ID, in.Body.Roles)
	if err != nil {
		return nil, err
	}
	return &adminUserOut{Body: toAdminListed(u)}, nil
}

func (h handlers) adminTags(ctx context.Context, _ *struct{}) (*tagsOut, error) {
	return h.tags(ctx, nil)
}

type tagIn struct {
	Body struct {
		Name     string `json:"name" maxLength:"64"`
		Category string `json:"category,omitempty" maxLength:"64"`
		Sort     int    `json:"sort,omitempty" minimum:"-100000" maximum:"100000"`
	}
}

type tagOut struct{ Body TagDTO }

func (h handlers) createTag(ctx context.Context, in *tagIn) (*tagOut, error) {
	t, err := h.svc.CreateTag(ctx, in.Body.Name, in.Body.Category, in.Body.Sort)
	if err != nil {
		return nil, err
	}
	return &tagOut{Body: tagDTOs([]users.Tag{*t})[0]}, nil
}

type tagPatchIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Name     *string `json:"name,omitempty" maxLength:"64"`
		Category *string `json:"category,omitempty" maxLength:"64"`
		Sort     *int    `json:"sort,omitempty" minimum:"-100000" maximum:"100000"`
	}
}

func (h handlers) updateTag(ctx context.Context, in *tagPatchIn) (*tagOut, error) {
	t, err := h.svc.UpdateTag(ctx, in.ID, in.Body.Name, in.Body.Category, in.Body.Sort)
	if err != nil {
		return nil, err
	}
	return &tagOut{Body: tagDTOs([]users.Tag{*t})[0]}, nil
}

func (h handlers) deleteTag(ctx context.Context, in *idIn) (*struct{}, error) {
	return nil, h.svc.DeleteTag(ctx, in.ID)
}
