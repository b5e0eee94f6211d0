// Package benchkit holds what the benchmark drivers share: serving a
// handler like App.Serve does, calling the JSON API, capturing SMS codes,
// private PostgreSQL schemas and latency statistics.
package benchkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/zuju/zuju/internal/platform/sqldb"
)

// Server is one target listening on 127.0.0.1.
type Server struct {
	URL  string
	srv  *http.Server
	done chan error
}

// Serve runs h on a random local port with the http.Server settings of
// App.Serve.
func Serve(h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), done: make(chan error, 1), srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Stop shuts the server down.
func (s *Server) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.done
}

// SMS is the app's SMS sender in benchmarks: it keeps the codes.
type SMS struct {
	mu    sync.Mutex
	codes map[string]string
}

// SendCode implements users.SMSSender.
func (c *SMS) SendCode(_ context.Context, phone, purpose, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[string]string{}
	}
	c.codes[purpose+":"+phone] = code
	return nil
}

// Code returns the last code sent to phone for purpose.
func (c *SMS) Code(purpose, phone string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codes[purpose+":"+phone]
}

// APIError is an unexpected answer of the API.
type APIError struct {
	Method, URL string
	Status      int
	Want        int
	Code        string
	Body        string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: status %d, want %d: %s", e.Method, e.URL, e.Status, e.Want, e.Body)
}

// Call sends a JSON request and decodes the answer into out (if not nil)
// when the status is want.
func Call(c *http.Client, method, url, token string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		e := &APIError{Method: method, URL: url, Status: res.StatusCode, Want: want, Body: string(b)}
		var p struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(b, &p) == nil {
			e.Code = p.Code
		}
		return e
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Schema creates a private schema on the PostgreSQL server at base and
// returns a DSN whose search_path points at it, and a function dropping it.
func Schema(ctx context.Context, base, prefix string) (string, func(), error) {
	db, err := sqldb.OpenPostgres(ctx, base, sqldb.Options{MaxOpenConns: 1})
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	if _, err := db.SQL.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		d, err := sqldb.OpenPostgres(context.Background(), base, sqldb.Options{MaxOpenConns: 1})
		if err != nil {
			return
		}
		defer d.Close()
		_, _ = d.SQL.ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE")
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// Sorted returns a sorted copy of d.
func Sorted(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

// Ms formats a duration in milliseconds.
func Ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// WriteJSON writes v as indented JSON to path (creating its folder), or to
// <module>/bench/out/<name>.json when path is empty, and returns the path.
func WriteJSON(path, name string, v any) (string, error) {
	if path == "" {
		root, err := ModuleRoot()
		if err != nil {
			return "", err
		}
		path = filepath.Join(root, "bench", "out", name+".json")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// ModuleRoot is the folder holding go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
