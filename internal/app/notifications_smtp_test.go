package app

import (
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// notifSMTP is a local SMTP server that keeps what it receives and
// refuses the first fail messages.
type notifSMTP struct {
	URL    string
	mu     sync.Mutex
	fail   int
	failed int
	mails  []notifMail
}

// notifMail is one received mail.
type notifMail struct {
	From, To, Subject, MessageID string
}

func startNotifSMTP(t *testing.T, fail int) *notifSMTP {
	t.Helper()
	s := &notifSMTP{fail: fail}
	s.URL = serveSMTP(t, func() smtp.Session { return &notifSession{srv: s} })
	return s
}

// serveSMTP runs a local SMTP server with a session per connection until
// the test ends and returns the ZUJU_SMTP_URL that reaches it.
func serveSMTP(t *testing.T, session func() smtp.Session) string {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return session(), nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "smtp://" + ln.Addr().String() + "?tls=off&from=notify@zuju.test"
}

// to lists the mails received for an address.
func (s *notifSMTP) to(addr string) []notifMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []notifMail
	for _, m := range s.mails {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

type notifSession struct {
	srv      *notifSMTP
	from, to string
}

func (s *notifSession) Reset()        {}
func (s *notifSession) Logout() error { return nil }
func (s *notifSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *notifSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *notifSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.failed < s.srv.fail {
		s.srv.failed++
		return errors.New("mailbox busy")
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	s.srv.mails = append(s.srv.mails, notifMail{From: s.from, To: s.to, Subject: subject, MessageID: msg.Header.Get("Message-ID")})
	return nil
}
