package files

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestLocalPutAndServe(t *testing.T) {
	l, err := NewLocal(t.TempDir(), "/files/")
	if err != nil {
		t.Fatal(err)
	}
	url, err := l.Put(context.Background(), "avatars/u1/a.png", "image/png", []byte("PNGDATA"))
	if err != nil || url != "/files/avatars/u1/a.png" {
		t.Fatalf("put: %q %v", url, err)
	}
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
	if rec.Code != 200 || rec.Body.String() != "PNGDATA" || rec.Header().Get("Content-Type") != "image/png" ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("serve: %d %v", rec.Code, rec.Header())
	}
	for _, bad := range []string{"../etc/passwd.png", "a/../../x.png", "x.html", "x.svg", ".hidden.png", ""} {
		if _, err := l.Put(context.Background(), bad, "", []byte("x")); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	rec = httptest.NewRecorder()
	l.ServeHTTP(rec, httptest.NewRequest("GET", "/files/../../etc/passwd", nil))
	if rec.Code != 404 {
		t.Fatalf("traversal served: %d", rec.Code)
	}
}

// fakeS3 accepts signed single-part PUTs like an S3-compatible server.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string]string
	types   map[string]string
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AK/") {
		http.Error(w, "unsigned", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodPut {
		http.Error(w, "unsupported", http.StatusNotImplemented)
		return
	}
	b, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		b = decodeChunks(b)
	}
	f.mu.Lock()
	f.objects[r.URL.Path] = string(b)
	f.types[r.URL.Path] = r.Header.Get("Content-Type")
	f.mu.Unlock()
	w.Header().Set("ETag", `"etag"`)
}

func TestS3Put(t *testing.T) {
	fake := &fakeS3{objects: map[string]string{}, types: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s, err := NewS3(S3Config{Endpoint: srv.URL, Bucket: "zuju", Region: "cn-north-1", AccessKey: "AK", SecretKey: "SK",
		PublicURL: "https://cdn.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Put(context.Background(), "avatars/u1/a.webp", "image/webp", []byte("WEBP"))
	if err != nil {
		t.Fatal(err)
	}
	if url != "https://cdn.example.com/avatars/u1/a.webp" {
		t.Fatalf("url %q", url)
	}
	if fake.objects["/zuju/avatars/u1/a.webp"] != "WEBP" || fake.types["/zuju/avatars/u1/a.webp"] != "image/webp" {
		t.Fatalf("objects: %v %v", fake.objects, fake.types)
	}
}

// decodeChunks undoes aws-chunked framing: "<hex>;chunk-signature=…\r\n<data>\r\n" … "0;…".
func decodeChunks(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		line, rest, ok := strings.Cut(string(b), "\r\n")
		if !ok {
			break
		}
		var n int
		if _, err := fmt.Sscanf(strings.SplitN(line, ";", 2)[0], "%x", &n); err != nil || n == 0 {
			break
		}
		out = append(out, rest[:n]...)
		b = []byte(rest[n+2:])
	}
	return out
}
