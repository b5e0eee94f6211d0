package usershttp

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/users"
)

var bearer = []map[string][]string{{"bearer": {}}}

// Register adds the accounts routes to api (rooted at /api/v1).
func Register(api huma.API, svc *users.Service) {
	h := handlers{svc: svc}
	tagAuth := []string{"Accounts"}

	huma.Register(api, huma.Operation{OperationID: "register", Method: http.MethodPost, Path: "/auth/register",
		Summary: "Register with phone or email and a password", Tags: tagAuth, DefaultStatus: http.StatusCreated}, h.register)
	huma.Register(api, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/auth/login",
		Summary: "Sign in with phone or email and password", Tags: tagAuth}, h.login)
	huma.Register(api, huma.Operation{OperationID: "send-sms-code", Method: http.MethodPost, Path: "/auth/sms-codes",
		Summary: "Send a one-time SMS code", Tags: tagAuth, DefaultStatus: http.StatusAccepted}, h.sendCode)
	huma.Register(api, huma.Operation{OperationID: "sms-login", Method: http.MethodPost, Path: "/auth/sms-login",
		Summary: "Sign in with phone and SMS code (creates the account on first login)", Tags: tagAuth}, h.smsLogin)
	huma.Register(api, huma.Operation{OperationID: "wechat-login", Method: http.MethodPost, Path: "/auth/wechat",
		Summary: "Sign in with a WeChat mini program wx.login code", Tags: tagAuth}, h.wechat)
	huma.Register(api, huma.Operation{OperationID: "refresh", Method: http.MethodPost, Path: "/auth/refresh",
		Summary: "Rotate a refresh token", Tags: tagAuth}, h.refresh)
	huma.Register(api, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/auth/logout",
		Summary: "End the session of a refresh token", Tags: tagAuth, DefaultStatus: http.StatusNoContent}, h.logout)

	huma.Register(api, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/me",
		Summary: "The caller's account", Tags: tagAuth, Security: bearer}, h.me)
	huma.Register(api, huma.Operation{OperationID: "update-me", Method: http.MethodPatch, Path: "/me",
		Summary: "Update the caller's profile", Tags: tagAuth, Security: bearer}, h.updateMe)
	huma.Register(api, huma.Operation{OperationID: "set-my-tags", Method: http.MethodPut, Path: "/me/tags",
		Summary: "Replace the caller's interest tags (at most 10)", Tags: tagAuth, Security: bearer}, h.setTags)
	huma.Register(api, huma.Operation{OperationID: "upload-avatar", Method: http.MethodPost, Path: "/me/avatar",
		Summary: "Upload an avatar (JPEG, PNG or WebP, at most 2 MB)", Tags: tagAuth, Security: bearer,
		MaxBodyBytes: svc.MaxImageBytes() + 64<<10}, h.avatar)
	huma.Register(api, huma.Operation{OperationID: "bind-phone", Method: http.MethodPost, Path: "/me/phone",
		Summary: "Bind a phone verified by an SMS code (purpose bind)", Tags: tagAuth, Security: bearer}, h.bindPhone)
	huma.Register(api, huma.Operation{OperationID: "bind-wechat-phone", Method: http.MethodPost, Path: "/me/phone/wechat",
		Summary: "Bind the phone shared through the mini program's getPhoneNumber button", Tags: tagAuth, Security: bearer}, h.bindWeChatPhone)
	huma.Register(api, huma.Operation{OperationID: "list-my-sessions", Method: http.MethodGet, Path: "/me/sessions",
		Summary: "The caller's signed-in devices", Tags: tagAuth, Security: bearer}, h.sessions)
	huma.Register(api, huma.Operation{OperationID: "end-my-session", Method: http.MethodDelete, Path: "/me/sessions/{id}",
		Summary: "Sign out one of the caller's devices", Tags: tagAuth, Security: bearer, DefaultStatus: http.StatusNoContent}, h.endSession)
	huma.Register(api, huma.Operation{OperationID: "list-tags", Method: http.MethodGet, Path: "/tags",
		Summary: "Interest tag catalog", Tags: tagAuth}, h.tags)
	huma.Register(api, huma.Operation{OperationID: "get-user", Method: http.MethodGet, Path: "/users/{id}",
		Summary: "Public profile", Tags: tagAuth}, h.publicUser)

	registerAdmin(api, h)
}

type handlers struct{ svc *users.Service }

type tokensOut struct{ Body TokensDTO }

type userOut struct{ Body UserDTO }

type registerIn struct {
	Body struct {
		Phone    string `json:"phone,omitempty" maxLength:"20" doc:"mainland China mobile number; phone or email is required"`
		Email    string `json:"email,omitempty" maxLength:"254"`
		Password string `json:"password" maxLength:"128" doc:"at least 8 characters with letters and digits"`
		Nickname string `json:"nickname" maxLength:"64" doc:"1–20 characters"`
		Code     string `json:"code,omitempty" maxLength:"6" doc:"SMS code of purpose register; required with phone"`
	}
}

func (h handlers) register(ctx context.Context, in *registerIn) (*tokensOut, error) {
	t, err := h.svc.Register(ctx, users.RegisterInput{Phone: in.Body.Phone, Email: in.Body.Email,
		Password: in.Body.Password, Nickname: in.Body.Nickname, Code: in.Body.Code})
	if err != nil {
		return nil, err
	}
	return &tokensOut{Body: toTokens(t)}, nil
}

type loginIn struct {
	Body struct {
		Account  string `json:"account" maxLength:"254" doc:"phone or email"`
		Password string `json:"password" maxLength:"128"`
	}
}

func (h handlers) login(ctx context.Context, in *loginIn) (*tokensOut, error) {
	t, err := h.svc.Login(ctx, in.Body.Account, in.Body.Password)
	if err != nil {
		return nil, err
	}
	return &tokensOut{Body: toTokens(t)}, nil
}

type sendCodeIn struct {
	Body struct {
		Phone   string `json:"phone" maxLength:"20"`
		Purpose string `json:"purpose" enum:"login,register,bind" doc:"login; register (before registering with this phone); bind (signed in: bind this phone to the account)"`
	}
}

type sendCodeOut struct {
	Body struct {
		CooldownSeconds int `json:"cooldown_seconds"`
		ExpiresIn       int `json:"expires_in"`
	}
}

func (h handlers) sendCode(ctx context.Context, in *sendCodeIn) (*sendCodeOut, error) {
	r, err := h.svc.SendSMSCode(ctx, in.Body.Phone, in.Body.Purpose)
	if err != nil {
		return nil, err
	}
	out := &sendCodeOut{}
	out.Body.CooldownSeconds, out.Body.ExpiresIn = r.CooldownSeconds, r.ExpiresIn
	return out, nil
}

type smsLoginIn struct {
	Body struct {
		Phone string `json:"phone" maxLength:"20"`
		Code  string `json:"code" maxLength:"6" pattern:"^[0-9]{6}$" patternDescription:"6 digits"`
	}
}

func (h handlers) smsLogin(ctx context.Context, in *smsLoginIn) (*tokensOut, error) {
	t, err := h.svc.SMSLogin(ctx, in.Body.Phone, in.Body.Code)
	if err != nil {
		return nil, err
	}
	return &tokensOut{Body: toTokens(t)}, nil
}

type wechatIn struct {
	Body struct {
		Code string `json:"code" minLength:"1" maxLength:"128" doc:"code from wx.login"`
	}
}

func (h handlers) wechat(ctx context.Context, in *wechatIn) (*tokensOut, error) {
	t, err := h.svc.WeChatLogin(ctx, in.Body.Code)
	if err != nil {
		return nil, err
	}
	return &tokensOut{Body: toTokens(t)}, nil
}

type refreshIn struct {
	Body struct {
		RefreshToken string `json:"refresh_token" maxLength:"200"`
	}
}

func (h handlers) refresh(ctx context.Context, in *refreshIn) (*tokensOut, error) {
	t, err := h.svc.Refresh(ctx, in.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	return &tokensOut{Body: toTokens(t)}, nil
}

func (h handlers) logout(ctx context.Context, in *refreshIn) (*struct{}, error) {
	return nil, h.svc.Logout(ctx, in.Body.RefreshToken)
}

func (h handlers) me(ctx context.Context, _ *struct{}) (*userOut, error) {
	u, err := h.svc.Me(ctx)
	if err != nil {
		return nil, err
	}
	return &userOut{Body: toUser(u)}, nil
}

type updateMeIn struct {
	Body struct {
		Nickname  *string `json:"nickname,omitempty" maxLength:"64"`
		AvatarURL *string `json:"avatar_url,omitempty" maxLength:"500"`
		Bio       *string `json:"bio,omitempty" maxLength:"1000"`
		City      *string `json:"city,omitempty" maxLength:"100"`
		Gender    *string `json:"gender,omitempty" enum:"male,female,other,"`
	}
}

func (h handlers) updateMe(ctx context.Context, in *updateMeIn) (*userOut, error) {
	b := in.Body
	u, err := h.svc.UpdateProfile(ctx, users.ProfilePatch{Nickname: b.Nickname, AvatarURL: b.AvatarURL,
		Bio: b.Bio, City: b.City, Gender: b.Gender})
	if err != nil {
		return nil, err
	}
	return &userOut{Body: toUser(u)}, nil
}

type setTagsIn struct {
	Body struct {
		TagIDs []string `json:"tag_ids" maxItems:"50"`
	}
}

func (h handlers) setTags(ctx context.Context, in *setTagsIn) (*userOut, error) {
	u, err := h.svc.SetTags(ctx, in.Body.TagIDs)
	if err != nil {
		return nil, err
	}
	return &userOut{Body: toUser(u)}, nil
}

type avatarIn struct {
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"image file"`
	}]
}

func (h handlers) avatar(ctx context.Context, in *avatarIn) (*userOut, error) {
	f := in.RawBody.Data().File
	data, err := io.ReadAll(io.LimitReader(f, h.svc.MaxImageBytes()+1))
	if err != nil {
		return nil, users.ErrInvalidImage.Wrap(err)
	}
	u, err := h.svc.SetAvatar(ctx, data)
	if err != nil {
		return nil, err
	}
	return &userOut{Body: toUser(u)}, nil
}

type bindPhoneIn struct {
	Body struct {
		Phone string `json:"phone" maxLength:"20"`
		Code  string `json:"code" maxLength:"6" pattern:"^[0-9]{6}$" patternDescription:"6 digits"`
	}
}

func (h handlers) bindPhone(ctx context.Context, in *bindPhoneIn) (*userOut, error) {
	u, err := h.svc.BindPhone(ctx, in.Body.Phone, in.Body.Code)
	if err != nil {
		return nil, err
	}
	return &userOut{Body: toUser(u)}, nil
}

type tagsOut struct {
	Body struct {
		Items []TagDTO `json:"items"`
	}
}

func (h handlers) tags(ctx context.Context, _ *struct{}) (*tagsOut, error) {
	ts, err := h.svc.Tags(ctx)
	if err != nil {
		return nil, err
	}
	out := &tagsOut{}
	out.Body.Items = tagDTOs(ts)
	return out, nil
}

type idIn struct {
	ID string `path:"id" maxLength:"64"`
}

type publicOut struct{ Body PublicUserDTO }

func (h handlers) publicUser(ctx context.Context, in *idIn) (*publicOut, error) {
	p, err := h.svc.Public(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &publicOut{Body: PublicUserDTO{ID: p.ID, Nickname: p.Nickname, AvatarURL: p.AvatarURL, Bio: p.Bio, City: p.City}}, nil
}

// timeOrNil converts an optional RFC 3339 time.
func timeOrNil(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	return t
}

// SessionDTO is one signed-in device of the caller.
type SessionDTO struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
}

type sessionsOut struct {
	Body struct {
		Items []SessionDTO `json:"items"`
	}
}

func (h handlers) sessions(ctx context.Context, _ *struct{}) (*sessionsOut, error) {
	list, current, err := h.svc.MySessions(ctx)
	if err != nil {
		return nil, err
	}
	out := &sessionsOut{}
	out.Body.Items = make([]SessionDTO, len(list))
	for i, s := range list {
		out.Body.Items[i] = SessionDTO{ID: s.ID, Current: s.ID == current, UserAgent: s.UserAgent, IP: s.IP,
			CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt}
	}
	return out, nil
}

func (h handlers) endSession(ctx context.Context, in *idIn) (*struct{}, error) {
	return nil, h.svc.EndMySession(ctx, in.ID)
}

func (h handlers) bindWeChatPhone(ctx context.Context, in *wechatIn) (*userOut, error) {
	u, err := h.svc.BindWeChatPhone(ctx, in.Body.Code)
	if err != nil {
		return nil, err
	}
	return &userOut{Body: toUser(u)}, nil
}
