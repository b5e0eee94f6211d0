package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/zuju/zuju/internal/config"
)

// buildZuju compiles cmd/zuju into dir and returns the binary's path.
func buildZuju(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "zuju")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/zuju/zuju/cmd/zuju")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the environment of a zuju process serving cfg: the
// caller's environment without any ZUJU_* setting, plus cfg's.
func childEnv(cfg config.Config) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZUJU_") {
			env = append(env, kv)
		}
	}
	set := map[string]string{
		"ZUJU_ENV": cfg.Env, "ZUJU_HTTP_ADDR": cfg.HTTPAddr, "ZUJU_DATA_DIR": cfg.DataDir, "ZUJU_JWT_SECRET": cfg.JWTSecret,
		"ZUJU_DATABASE_URL": cfg.DatabaseURL, "ZUJU_REDIS_URL": cfg.RedisURL, "ZUJU_REDIS_PREFIX": cfg.RedisPrefix,
		"ZUJU_AMQP_URL": cfg.AMQPURL, "ZUJU_AMQP_PREFIX": cfg.AMQPPrefix, "ZUJU_SMTP_URL": cfg.SMTP.URL,
		"ZUJU_JOBS_TIMEOUT": cfg.Jobs.Timeout.String(), "ZUJU_JOBS_RESCUE_AFTER": cfg.Jobs.RescueAfter.String(),
		"ZUJU_SHUTDOWN_GRACE": cfg.ShutdownGrace.String(), "ZUJU_LOG_LEVEL": "info",
	}
	for k, v := range set {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// zujuProc is a `zuju serve` child process.
type zujuProc struct {
	cmd  *exec.Cmd
	URL  string
	log  string
	done chan struct{}
	err  error
}

// freeAddr returns a local address nothing listens on (for a moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// startZuju runs `bin serve` for cfg on a fresh port, its output in
// logPath, and waits until it answers /healthz. The process is stopped
// (SIGTERM, then SIGKILL) when the test ends if it still runs.
func startZuju(t *testing.T, bin string, cfg config.Config, logPath string) *zujuProc {
	t.Helper()
	cfg.HTTPAddr = freeAddr(t)
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p := &zujuProc{cmd: exec.Command(bin, "serve"), URL: "http://" + cfg.HTTPAddr, log: logPath, done: make(chan struct{})}
	p.cmd.Env = childEnv(cfg)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		_ = out.Close()
		t.Fatalf("start zuju: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		_ = out.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.running() {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(20 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("zuju output (%s), last part:\n%s", logPath, b)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if !p.running() {
			t.Fatalf("zuju exited at start: %v", p.err)
		}
		if res, err := http.Get(p.URL + "/healthz"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("zuju did not answer /healthz within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *zujuProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill ends the process with SIGKILL (no shutdown of any kind).
func (p *zujuProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// stop asks the process to shut down and reports how it exited.
func (p *zujuProc) stop(t *testing.T) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(30 * time.Second):
		return errors.New("no exit within 30 s of SIGTERM")
	}
}

// unservedApp builds an app on cfg's database without serving it (no
// workers: no relay, no consumers, no jobs run) and puts its API on a
// local server, for a test to prepare data and read the database; what
// it writes waits there for the process that serves the database.
func unservedApp(t *testing.T, cfg config.Config) *testApp {
	t.Helper()
	sms := &captureSMS{}
	a, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{SMS: sms})
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		srv.Close()
		a.Close()
	})
	return &testApp{App: a, URL: srv.URL, SMS: sms}
}

// gateSMTP is a mail server whose gate can be shut: while it is, the
// first mail to come is taken (kept, as a server that accepted it) but
// not answered, and every later one is held before it is taken; none is
// answered until the gate opens, and then only with a failure (their
// senders are gone by then). Mails are kept by Message-ID: copies counts
// every copy taken, so a resend with the same Message-ID is one mail
// with two copies.
type gateSMTP struct {
	URL string

	mu      sync.Mutex
	shut    bool
	took    bool
	held    int
	release chan struct{}
	copies  map[string]int             // by Message-ID
	ids     map[string]map[string]bool // Message-IDs by recipient
	first   string                     // Message-ID taken while shut
}

func startGateSMTP(t *testing.T) *gateSMTP {
	t.Helper()
	s := &gateSMTP{copies: map[string]int{}, ids: map[string]map[string]bool{}, release: make(chan struct{})}
	s.URL = serveSMTP(t, func() smtp.Session { return &gateSession{srv: s} })
	t.Cleanup(s.open) // before the server closes: held sessions end
	return s
}

// shutGate holds every mail from now on (the first one taken).
func (s *gateSMTP) shutGate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shut, s.took, s.held, s.first = true, false, 0, ""
	s.release = make(chan struct{})
}

// open lets the held sessions end (with a failure) and mails through.
func (s *gateSMTP) open() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		s.shut = false
		close(s.release)
	}
}

func (s *gateSMTP) heldCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// mails returns the distinct Message-IDs a recipient has.
func (s *gateSMTP) mails(to string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id := range s.ids[to] {
		out = append(out, id)
	}
	return out
}

func (s *gateSMTP) copiesOf(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copies[id]
}

func (s *gateSMTP) keep(to, id string) {
	s.copies[id]++
	if s.ids[to] == nil {
		s.ids[to] = map[string]bool{}
	}
	s.ids[to][id] = true
}

type gateSession struct {
	srv *gateSMTP
	to  string
}

func (*gateSession) Reset()                                      {}
func (*gateSession) Logout() error                               { return nil }
func (*gateSession) Mail(string, *smtp.MailOptions) error        { return nil }
func (s *gateSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }

func (s *gateSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	id := msg.Header.Get("Message-ID")
	g := s.srv
	g.mu.Lock()
	if !g.shut {
		g.keep(s.to, id)
		g.mu.Unlock()
		return nil
	}
	g.held++
	if !g.took {
		g.took, g.first = true, id
		g.keep(s.to, id)
	}
	release := g.release
	g.mu.Unlock()
	<-release
	return errors.New("connection lost")
}

// deliveryStates counts a channel's delivery rows by state.
func deliveryStates(t *testing.T, a *testApp, ch string) map[string]int {
	t.Helper()
	var rows []struct {
		State string
		N     int
	}
	if err := a.DB.Gorm.Raw("SELECT state, COUNT(*) AS n FROM notification_deliveries WHERE channel = ? GROUP BY state", ch).
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out
}
