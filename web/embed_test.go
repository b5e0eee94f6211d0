package web

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestBuilt(t *testing.T) {
	if Built(nil) {
		t.Fatal("nil FS reported as built")
	}
	if Built(fstest.MapFS{".gitkeep": {}}) {
		t.Fatal("placeholder reported as built")
	}
	if Built(fstest.MapFS{"index.html/x": {}}) {
		t.Fatal("directory named index.html reported as built")
	}
	if !Built(fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}}) {
		t.Fatal("index.html not recognised")
	}
}

func TestEmbeddedRoots(t *testing.T) {
	for name, fsys := range map[string]fs.FS{"app": App(), "admin": Admin()} {
		// The root is the dist folder itself: .gitkeep (always committed)
		// and, after a build, index.html sit at the top.
		if _, err := fs.Stat(fsys, ".gitkeep"); err != nil {
			t.Errorf("%s: dist root not at the FS root: %v", name, err)
		}
		if Built(fsys) {
			if _, err := fs.Stat(fsys, "assets"); err != nil {
				t.Errorf("%s: built but no assets folder: %v", name, err)
			}
		}
	}
}
