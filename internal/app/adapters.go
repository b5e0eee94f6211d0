package app

import (
	"context"
	"errors"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/wechat"
	"github.com/zuju/zuju/internal/users"
)

// wechatLogin adapts the WeChat client to the users module's port.
type wechatLogin struct{ mp *wechat.MiniProgram }

func (w wechatLogin) Code2Session(ctx context.Context, code string) (users.WeChatIdentity, error) {
	s, err := w.mp.Code2Session(ctx, code)
	switch {
	case err == nil:
		return users.WeChatIdentity{OpenID: s.OpenID, UnionID: s.UnionID}, nil
	case errors.Is(err, wechat.ErrInvalidCode), errors.Is(err, wechat.ErrUserBlocked):
		return users.WeChatIdentity{}, users.ErrWeChatCode.Wrap(err)
	default:
		return users.WeChatIdentity{}, users.ErrWeChatUnavailable.Wrap(err)
	}
}

func (w wechatLogin) PhoneNumber(ctx context.Context, code string) (string, error) {
	p, err := w.mp.GetPhoneNumber(ctx, code)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, wechat.ErrInvalidCode):
		return "", users.ErrWeChatCode.Wrap(err)
	default:
		return "", users.ErrWeChatUnavailable.Wrap(err)
	}
}

// people adapts the users module's batch read to the activities module's
// People port (organizers, participants; exports reuse it).
type people struct{ users *users.Service }

func (p people) People(ctx context.Context, ids []string) (map[string]activities.Person, error) {
	list, err := p.users.Contacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]activities.Person, len(list))
	for _, u := range list {
		out[u.ID] = activities.Person{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL, Phone: u.Phone}
	}
	return out, nil
}

// tagCatalog names interest tags for the activities module.
type tagCatalog struct{ users *users.Service }

func (c tagCatalog) TagNames(ctx context.Context, ids []string) (map[string]string, error) {
	list, err := c.users.TagsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(list))
	for _, t := range list {
		out[t.ID] = t.Name
	}
	return out, nil
}
