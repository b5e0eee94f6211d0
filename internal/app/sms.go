package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/zuju/zuju/internal/platform/sms"
	"github.com/zuju/zuju/internal/users"
)

// verifyTemplate is our name of the verification-code SMS template; its
// provider template reads like "您的验证码为{1}，{2}分钟内有效".
const verifyTemplate = "verify_code"

// smsSender adapts an SMS provider to the users module's port.
type smsSender struct {
	send func(context.Context, sms.Message) error
	ttl  int // minutes
}

func (s smsSender) SendCode(ctx context.Context, phone, _ string, code string) error {
	return s.send(ctx, sms.Message{Phone: phone, Template: verifyTemplate,
		Params: map[string]string{"code": code, "minutes": strconv.Itoa(s.ttl)}})
}

// smsSender picks the configured provider: the log sender in development,
// Tencent Cloud SMS in production.
func (a *App) smsSender(client *http.Client) (users.SMSSender, error) {
	ttl := int(users.DefaultSettings().SMSCodeTTL.Minutes())
	if a.Config.SMS.Provider == sms.ProviderTencent {
		c := a.Config.SMS.Tencent
		t, err := sms.NewTencent(sms.TencentConfig{
			SecretID: c.SecretID, SecretKey: c.SecretKey, SDKAppID: c.SDKAppID, SignName: c.SignName,
			Region: c.Region, Endpoint: c.Endpoint,
			Templates:      map[string]string{verifyTemplate: c.TemplateLogin},
			TemplateParams: map[string][]string{verifyTemplate: {"code", "minutes"}},
		}, client, a.Logger.With("component", "sms"))
		if err != nil {
			return nil, err
		}
		return smsSender{send: t.Send, ttl: ttl}, nil
	}
	return smsSender{send: sms.NewLog(a.Logger.With("component", "sms")).Send, ttl: ttl}, nil
}
