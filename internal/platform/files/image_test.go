package files_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/zuju/zuju/internal/platform/files"
)

func TestSniffImage(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	huge := image.NewGray(image.Rect(0, 0, files.MaxImageSide+1, 1))
	var h bytes.Buffer
	if err := png.Encode(&h, huge); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		data   []byte
		ct, ex string
	}{
		{"png", p.Bytes(), "image/png", ".png"},
		{"jpeg", j.Bytes(), "image/jpeg", ".jpg"},
		{"html", []byte("<html><script>alert(1)</script></html>"), "", ""},
		{"png header only", p.Bytes()[:12], "", ""},
		{"too wide", h.Bytes(), "", ""},
		{"empty", nil, "", ""},
	}
	for _, c := range cases {
		ct, ext, ok := files.SniffImage(c.data)
		if ct != c.ct || ext != c.ex || ok != (c.ct != "") {
			t.Errorf("%s: %q %q %v", c.name, ct, ext, ok)
		}
	}
}
