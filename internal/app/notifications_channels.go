package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/platform/wechat"
)

// notificationSenders are the configured email and WeChat channels.
func (a *App) notificationSenders(log *slog.Logger) map[notifications.Channel]notifications.Sender {
	out := map[notifications.Channel]notifications.Sender{}
	if a.Config.SMTP.URL != "" {
		m, err := newSMTPMailer(a.Config.SMTP.URL, a.Config.PublicURL)
		if err != nil {
			log.Error("ZUJU_SMTP_URL is unusable; email notifications are off", "err", err)
		} else {
			out[notifications.ChannelEmail] = m
		}
	}
	if a.wechat != nil && a.Config.WeChat.NotifyTemplate != "" {
		out[notifications.ChannelWeChat] = notifyWeChat{mp: a.wechat, template: a.Config.WeChat.NotifyTemplate}
	}
	return out
}

// notifyWeChat sends notifications as subscribe messages of one template:
// thing1 is the title, thing2 the text (WeChat keeps 20 characters of a
// thing keyword).
type notifyWeChat struct {
	mp       *wechat.MiniProgram
	template string
}

func (w notifyWeChat) Send(ctx context.Context, to notifications.Address, m notifications.Message) error {
	return w.mp.SendSubscribe(ctx, wechat.SubscribeMessage{OpenID: to.WeChatOpenID, TemplateID: w.template,
		Data: map[string]string{"thing1": runes(m.Title, 20), "thing2": runes(m.Body, 20)}})
}

// runes cuts s to at most n runes, marking a cut with "…".
func runes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// smtpMailer sends notification emails through an SMTP server:
// smtps://host:465 (TLS), smtp://host:587 (STARTTLS) or, for local
// servers, smtp://host:25?tls=off; user and password in the URL log in
// (PLAIN), ?from= sets the sender.
type smtpMailer struct {
	addr, host   string
	implicitTLS  bool
	startTLS     bool
	user, pass   string
	from         string
	publicURL    string
	dialTimeout  time.Duration
	writeTimeout time.Duration
}

func newSMTPMailer(raw, publicURL string) (*smtpMailer, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	m := &smtpMailer{host: u.Hostname(), publicURL: strings.TrimRight(publicURL, "/"), dialTimeout: 10 * time.Second, writeTimeout: 30 * time.Second}
	port := u.Port()
	switch u.Scheme {
	case "smtps":
		m.implicitTLS = true
		if port == "" {
			port = "465"
		}
	case "smtp":
		m.startTLS = u.Query().Get("tls") != "off"
		if port == "" {
			port = "587"
		}
	default:
		return nil, fmt.Errorf("scheme must be smtp or smtps, got %q", u.Scheme)
	}
	if m.host == "" {
		return nil, fmt.Errorf("no host")
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	m.from = u.Query().Get("from")
	if m.from == "" {
		m.from = "no-reply@" + m.host
	}
	if _, err := mail.ParseAddress(m.from); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	return m, nil
}

// Send mails the notification. The Message-ID is the delivery's
// idempotency key, the same on every resend: receivers and mail stores
// that drop a repeated Message-ID keep one copy.
func (m *smtpMailer) Send(ctx context.Context, to notifications.Address, n notifications.Message) error {
	d := net.Dialer{Timeout: m.dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	deadline := time.Now().Add(m.writeTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	var c *smtp.Client
	switch {
	case m.implicitTLS:
		c = smtp.NewClient(tls.Client(conn, &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}))
	case m.startTLS:
		if c, err = smtp.NewClientStartTLS(conn, &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}); err != nil {
			_ = conn.Close()
			return fmt.Errorf("smtp starttls: %w", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if m.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", m.user, m.pass)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.SendMail(m.from, []string{to.Email}, bytes.NewReader(m.compose(to.Email, n))); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return c.Quit()
}

// messageID is the mail's Message-ID: the idempotency key (a UUID, a dot
// and the channel: a dot-atom) at the server's host.
func messageID(n notifications.Message, host string) string {
	key := n.IdempotencyKey
	if key == "" {
		key = notifications.IdempotencyKey(n.NotificationID, notifications.ChannelEmail)
	}
	return "<" + key + "@" + host + ">"
}

// compose writes the mail: UTF-8 plain text, base64 encoded.
func (m *smtpMailer) compose(to string, n notifications.Message) []byte {
	body := n.Body
	if n.Link != "" && m.publicURL != "" {
		body += "\r\n\r\n" + m.publicURL + n.Link
	}
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", (&mail.Address{Name: "组局 Zuju", Address: m.from}).String())
	h("To", to)
	h("Subject", mime.BEncoding.Encode("utf-8", n.Title))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", messageID(n, m.host))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
