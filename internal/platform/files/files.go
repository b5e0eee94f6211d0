// Package files stores uploaded files (avatars, images) in a local folder
// and serves them with a safe, fixed content type.
package files

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// contentTypes are the only types ever served; anything else is refused.
var contentTypes = map[string]string{
	".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif",
}

// Local keeps files under a folder and serves them under a URL prefix.
type Local struct {
	dir    string
	prefix string
}

// NewLocal returns a store in dir whose files are served at prefix (e.g. "/files/").
func NewLocal(dir, prefix string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create upload folder: %w", err)
	}
	return &Local{dir: dir, prefix: "/" + strings.Trim(prefix, "/") + "/"}, nil
}

func cleanKey(key string) (string, bool) {
	if strings.Contains(key, "..") || strings.ContainsAny(key, "\\\x00") {
		return "", false
	}
	k := path.Clean("/" + key)[1:]
	if k == "" || strings.Contains(k, "..") || strings.HasPrefix(k, ".") {
		return "", false
	}
	if _, ok := contentTypes[strings.ToLower(path.Ext(k))]; !ok {
		return "", false
	}
	return k, true
}

// Put writes data under key atomically and returns the public URL.
func (l *Local) Put(_ context.Context, key, _ string, data []byte) (string, error) {
	k, ok := cleanKey(key)
	if !ok {
		return "", fmt.Errorf("store file: invalid key %q", key)
	}
	full := filepath.Join(l.dir, filepath.FromSlash(k))
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return "", fmt.Errorf("store file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".upload-*")
	if err != nil {
		return "", fmt.Errorf("store file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("store file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("store file: %w", err)
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		return "", fmt.Errorf("store file: %w", err)
	}
	return l.prefix + k, nil
}

// Prefix is the URL prefix files are served under.
func (l *Local) Prefix() string { return l.prefix }

// ServeHTTP serves a stored file by the path after the prefix, with a
// content type chosen from its extension (never sniffed), nosniff and a
// sandboxing content security policy.
func (l *Local) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k, ok := cleanKey(strings.TrimPrefix(r.URL.Path, l.prefix))
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(l.dir, filepath.FromSlash(k)))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentTypes[strings.ToLower(path.Ext(k))])
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", st.ModTime(), f)
}
