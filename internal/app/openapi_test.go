package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zuju/zuju/internal/config"
)

// specPath is the committed OpenAPI document.
func specPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "api", "openapi.yaml")
}

// The committed api/openapi.yaml must equal what the code serves. Run
// `make openapi` (ZUJU_UPDATE_OPENAPI=1) to rewrite it after an API change.
func TestOpenAPIUpToDate(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.JWTSecret = "spec-secret-0123456789abcdef0123456789"
	a, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{SMS: &captureSMS{}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, err := a.HTTP.OpenAPI().YAML()
	if err != nil {
		t.Fatal(err)
	}
	// The served JSON and the YAML come from the same document.
	served := call(t, "GET", startReplica(t, cfg).URL+"/openapi.yaml", "", nil)
	if served.Status != 200 || !bytes.Equal(served.Body, got) {
		t.Fatalf("/openapi.yaml differs from the generated document (status %d)", served.Status)
	}
	path := specPath()
	if os.Getenv("ZUJU_UPDATE_OPENAPI") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run make openapi)", path, err)
	}
	if !bytes.Equal(want, got) {
		t.Fatalf("api/openapi.yaml is out of date with the code: run `make openapi` and commit it")
	}
}

// The web apps are served at / and /admin/ with client-side routes falling
// back to index.html; API paths never do.
func TestWebAppsServed(t *testing.T) {
	a := startApp(t, single)
	for _, p := range []string{"/", "/me", "/admin/", "/admin/users"} {
		r := call(t, "GET", a.URL+p, "", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !bytes.Contains(r.Body, []byte("zh-CN")) {
			t.Fatalf("%s: %d %s", p, r.Status, r.Header.Get("Content-Type"))
		}
	}
	expect(t, call(t, "GET", a.URL+"/api/v1/nothing", "", nil), 404, "not_found")
	expect(t, call(t, "POST", a.URL+"/somewhere", "", nil), 404, "not_found")
}
