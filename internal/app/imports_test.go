package app

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const modulePath = "github.com/zuju/zuju"

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// The module rules of the design: platform packages never import a module;
// a module imports another module only through its root package.
func TestModuleImportRules(t *testing.T) {
	internal := filepath.Join(repoRoot(), "internal")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(internal, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		rel, _ := filepath.Rel(internal, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		owner := parts[0] // platform, config, app, or a module name
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			rest, ok := strings.CutPrefix(p, modulePath+"/internal/")
			if !ok {
				continue
			}
			checked++
			ip := strings.Split(rest, "/")
			target := ip[0]
			switch {
			case owner == "app" || target == "platform" || target == "config" || target == owner:
				continue
			case owner == "platform" || owner == "config":
				t.Errorf("%s imports module %s: platform code must not depend on modules", rel, p)
			case target == "app":
				t.Errorf("%s imports the composition root", rel)
			case len(ip) > 1:
				t.Errorf("%s imports %s: modules may use only another module's root package", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d internal imports checked", checked)
	}
}

// The pure-Go SQLite driver must run on the libc version it was built
// against (goose pulls an older one).
func TestSQLiteLibcPinned(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not available")
	}
	run := func(args ...string) string {
		cmd := exec.Command("go", args...)
		cmd.Dir = repoRoot()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	selected := run("list", "-m", "-f", "{{.Version}}", "modernc.org/libc")
	dir := run("list", "-m", "-f", "{{.Dir}}", "modernc.org/sqlite")
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "modernc.org/libc" {
			if f[1] != selected {
				t.Fatalf("modernc.org/libc %s selected, modernc.org/sqlite wants %s", selected, f[1])
			}
			return
		}
	}
	t.Fatal("modernc.org/sqlite's go.mod names no libc")
}
