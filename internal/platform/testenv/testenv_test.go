package testenv

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// helperSwitch makes the test binary act as a helper process that asks
// this package for the server named in it.
const helperSwitch = "ZUJU_TESTENV_HELPER"

// TestHelperProcess is not a real test: it runs only in a subprocess
// started by runHelper.
func TestHelperProcess(t *testing.T) {
	var lookupFn func(testing.TB) string
	switch os.Getenv(helperSwitch) {
	case "":
		t.Skip("helper process only")
	case "postgres":
		lookupFn = Postgres
	case "redis":
		lookupFn = Redis
	case "amqp":
		lookupFn = AMQP
	default:
		t.Fatalf("unknown helper %q", os.Getenv(helperSwitch))
	}
	url := lookupFn(t)
	t.Logf("HELPER-GOT-URL %s", url)
}

// runHelper runs TestHelperProcess in a subprocess with exactly the
// ZUJU_TEST_* variables given in env.
func runHelper(t *testing.T, which string, env map[string]string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v", "-test.count=1")
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ZUJU_TEST") || strings.HasPrefix(kv, helperSwitch+"=") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, helperSwitch+"="+which)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// listen returns the address of a local TCP server that accepts and closes
// connections.
func listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestLookupInSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	up := listen(t)
	down := closedAddr(t)
	cases := []struct {
		name       string
		which      string
		env        map[string]string
		wantFail   bool
		wantOutput []string
		hideOutput []string
	}{
		{
			name: "unset skips", which: "redis",
			wantOutput: []string{"SKIP", RedisVar + " not set"},
		},
		{
			name: "unset with REQUIRE=0 skips", which: "postgres", env: map[string]string{RequireVar: "0"},
			wantOutput: []string{"SKIP", PostgresVar + " not set"},
		},
		{
			name: "unset with REQUIRE=1 fails", which: "redis", env: map[string]string{RequireVar: "1"},
			wantFail: true, wantOutput: []string{"FAIL", RedisVar + " is not set"},
		},
		{
			name: "unset AMQP with REQUIRE=1 fails", which: "amqp", env: map[string]string{RequireVar: "1"},
			wantFail: true, wantOutput: []string{"FAIL", AMQPVar},
		},
		{
			name: "unreachable fails without REQUIRE", which: "redis", env: map[string]string{RedisVar: "redis://127.0.0.1:1/0"},
			wantFail: true, wantOutput: []string{"FAIL", "not reachable"},
		},
		{
			name: "unreachable hides the password", which: "postgres",
			env:      map[string]string{PostgresVar: "postgres://zuju:hunter2@" + down + "/zuju"},
			wantFail: true, wantOutput: []string{"FAIL", "not reachable", "zuju:xxxxx@"},
			hideOutput: []string{"hunter2"},
		},
		{
			name: "reachable passes", which: "amqp", env: map[string]string{AMQPVar: "amqp://guest:guest@" + up + "/"},
			wantOutput: []string{"PASS", "HELPER-GOT-URL amqp://guest:guest@" + up + "/"},
		},
		{
			name: "reachable passes with REQUIRE=1", which: "postgres",
			env:        map[string]string{PostgresVar: "postgres://u@" + up + "/db", RequireVar: "1"},
			wantOutput: []string{"PASS", "HELPER-GOT-URL postgres://u@" + up + "/db"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runHelper(t, tc.which, tc.env)
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatalf("running the helper: %v", err)
			}
			if failed := err != nil; failed != tc.wantFail {
				t.Fatalf("helper failed=%v, want %v; output:\n%s", failed, tc.wantFail, out)
			}
			for _, want := range tc.wantOutput {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, hidden := range tc.hideOutput {
				if strings.Contains(out, hidden) {
					t.Errorf("output shows %q:\n%s", hidden, out)
				}
			}
			if tc.wantFail || strings.Contains(out, "SKIP") {
				if strings.Contains(out, "HELPER-GOT-URL") {
					t.Errorf("test went on after the lookup:\n%s", out)
				}
			}
		})
	}
}

func TestReachable(t *testing.T) {
	up := listen(t)
	_, upPort, _ := net.SplitHostPort(up)
	cases := []struct {
		name, url string
		ok        bool
	}{
		{"listening", "redis://" + up + "/0", true},
		{"nothing listening", "redis://" + closedAddr(t) + "/0", false},
		{"no host to dial", "file:///tmp/x", true},
		{"invalid URL", "postgres://u:p@h:port:bad/db", false},
		{"ipv4 with explicit port", "amqp://127.0.0.1:" + upPort + "/", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := reachable(tc.url); (err == nil) != tc.ok {
				t.Fatalf("reachable(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

// A URL without a port is dialled on the scheme's default port, never
// rejected for the missing port.
func TestReachableDefaultPorts(t *testing.T) {
	for _, raw := range []string{
		"postgres://u@127.0.0.1/db", "postgresql://u@127.0.0.1/db",
		"redis://127.0.0.1/0", "rediss://127.0.0.1/0",
		"amqp://127.0.0.1/", "amqps://127.0.0.1/",
	} {
		if err := reachable(raw); err != nil && strings.Contains(err.Error(), "missing port") {
			t.Errorf("reachable(%q): %v", raw, err)
		}
	}
}

func TestRequiredAndPostgresSet(t *testing.T) {
	for _, tc := range []struct {
		val  string
		want bool
	}{{"1", true}, {"", false}, {"0", false}, {"true", false}} {
		t.Setenv(RequireVar, tc.val)
		if got := Required(); got != tc.want {
			t.Errorf("Required with %q = %v", tc.val, got)
		}
	}
	t.Setenv(PostgresVar, "")
	if PostgresSet() {
		t.Error("PostgresSet with an empty variable")
	}
	t.Setenv(PostgresVar, "postgres://u@h/db")
	if !PostgresSet() {
		t.Error("PostgresSet with a URL")
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"postgres://u:secret@h:5432/db": "postgres://u:xxxxx@h:5432/db",
		"redis://:secret@h:6379/0":      "redis://:xxxxx@h:6379/0",
		"amqp://h/":                     "amqp://h/",
		"postgres://u:p@h:bad:port/db":  "(invalid url)",
	}
	for in, want := range cases {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
