// Package testenv tells tests where the real backing servers are.
//
// Tests that need PostgreSQL, Redis or RabbitMQ ask this package for the
// server address. When the matching ZUJU_TEST_* variable is empty the test is
// skipped, unless ZUJU_TEST_REQUIRE_SERVICES=1, in which case it fails: CI
// sets that so a missing server can never pass silently.
package testenv

import (
	"context"
	"net"
	"net/url"
	"os"
	"testing"
	"time"
)

// Names of the environment variables that point tests at real servers.
const (
	PostgresVar = "ZUJU_TEST_POSTGRES"
	RedisVar    = "ZUJU_TEST_REDIS"
	AMQPVar     = "ZUJU_TEST_AMQP"
	RequireVar  = "ZUJU_TEST_REQUIRE_SERVICES"
)

// Required reports whether missing servers must fail tests instead of skipping them.
func Required() bool { return os.Getenv(RequireVar) == "1" }

// Postgres returns the PostgreSQL URL for tests, or skips/fails the test.
func Postgres(t testing.TB) string { return lookup(t, PostgresVar) }

// Redis returns the Redis URL for tests, or skips/fails the test.
func Redis(t testing.TB) string { return lookup(t, RedisVar) }

// AMQP returns the RabbitMQ URL for tests, or skips/fails the test.
func AMQP(t testing.TB) string { return lookup(t, AMQPVar) }

// PostgresSet reports whether PostgreSQL tests are configured.
func PostgresSet() bool { return os.Getenv(PostgresVar) != "" }

func lookup(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if Required() {
			t.Fatalf("%s is not set but %s=1", name, RequireVar)
		}
		t.Skipf("%s not set; skipping test against the real server", name)
	}
	if err := reachable(v); err != nil {
		// A configured server that does not answer is always a failure.
		t.Fatalf("%s=%s is not reachable: %v", name, redact(v), err)
	}
	return v
}

// reachable dials the host of a URL once to tell a down server early and clearly.
func reachable(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Host
	if host == "" {
		return nil
	}
	if u.Port() == "" {
		switch u.Scheme {
		case "postgres", "postgresql":
			host = net.JoinHostPort(u.Hostname(), "5432")
		case "redis", "rediss":
			host = net.JoinHostPort(u.Hostname(), "6379")
		case "amqp":
			host = net.JoinHostPort(u.Hostname(), "5672")
		case "amqps":
			host = net.JoinHostPort(u.Hostname(), "5671")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	return c.Close()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	return u.Redacted()
}
