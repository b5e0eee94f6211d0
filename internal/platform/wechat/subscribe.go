package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"
)

const opSubscribeSend = "subscribe message send"

// subscribeSendURL is subscribeMessage.send, on the library's host (the
// router sends it to BaseURL).
const subscribeSendURL = "https://" + libraryHost + "/cgi-bin/message/subscribe/send"

// SubscribeMessage is one subscribe message (订阅消息) to a user of the
// mini program.
type SubscribeMessage struct {
	OpenID     string
	TemplateID string
	// Page is the mini program page the card opens ("" for none).
	Page string
	// Data fills the template's keywords, e.g. {"thing1": "活动已成局"}.
	Data map[string]string
}

// SendSubscribe sends a subscribe message (subscribeMessage.send) with the
// library's message type and its access token handling; errors match
// ErrRateLimited or ErrUnavailable like the other calls. The library's own
// Send takes no context, so the request is posted through its
// context-aware helper.
func (m *MiniProgram) SendSubscribe(ctx context.Context, msg SubscribeMessage) error {
	if msg.OpenID == "" || msg.TemplateID == "" {
		return errors.New("wechat: subscribe message needs an openid and a template id")
	}
	data := make(map[string]*subscribe.DataItem, len(msg.Data))
	for k, v := range msg.Data {
		data[k] = &subscribe.DataItem{Value: v}
	}
	body := &subscribe.Message{ToUser: msg.OpenID, TemplateID: msg.TemplateID, Page: msg.Page, Data: data}
	return m.call(ctx, opSubscribeSend, true, nil, func(ctx context.Context) error {
		tok, err := m.lib.GetContext().GetAccessTokenContext(ctx)
		if err != nil {
			return err
		}
		res, err := util.PostJSONContext(ctx, subscribeSendURL+"?access_token="+url.QueryEscape(tok), body)
		if err != nil {
			return fmt.Errorf("post: %w", err)
		}
		return util.DecodeWithCommonError(res, "SubscribeSend")
	})
}
