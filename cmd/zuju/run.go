package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/zuju/zuju/internal/app"
	"github.com/zuju/zuju/internal/config"
)

const usage = `Usage: zuju <command> [flags]

Commands:
  serve                 run the platform (API, web apps, background jobs)
  migrate               apply database migrations and exit
  admin create          create or promote a super admin:
                          --phone P | --email E  --password PW [--nickname N]
  seed --demo           add demo data (development only)
  config [--markdown]   print the effective configuration (secrets masked),
                          or the table of every setting
  version               print the version

Every command accepts --config FILE (YAML). Settings come from ZUJU_* variables.
`

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		err = migrate(ctx, rest, getenv, stdout, stderr)
	case "admin":
		err = adminCmd(ctx, rest, getenv, stdout, stderr)
	case "seed":
		err = seed(ctx, rest, getenv, stdout, stderr)
	case "config":
		err = printConfig(rest, getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "zuju", app.Version)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "zuju: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "zuju:", err)
		return 1
	}
	return 0
}

// loadConfig parses --config among fs's flags, then loads and validates.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (config.Config, error) {
	cfg, err := readConfig(fs, args, getenv)
	if err != nil {
		return cfg, err
	}
	if err := cfg.EnsureSecrets(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// readConfig is loadConfig without creating the development secrets.
func readConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (config.Config, error) {
	file := fs.String("config", "", "YAML configuration file")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	cfg, err := config.Load(getenv, *file)
	if err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("zuju "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(flags("serve", stderr), args, getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	a, err := app.New(ctx, cfg, logger, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	writeConfig(stdout, cfg)
	base := cfg.BaseURL()
	if cfg.PublicURL == "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		host, _, _ := net.SplitHostPort(cfg.HTTPAddr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	fmt.Fprintf(stdout, "\nZuju %s is running (%s, %s)\n", app.Version, cfg.Env, storageName(cfg))
	fmt.Fprintf(stdout, "  H5 app:         %s/\n", base)
	fmt.Fprintf(stdout, "  Admin console:  %s/admin/\n", base)
	fmt.Fprintf(stdout, "  API docs:       %s/docs\n", base)
	fmt.Fprintf(stdout, "  Health:         %s/healthz\n\n", base)
	logger.Info("listening", "addr", ln.Addr().String())
	err = a.Serve(ctx, ln)
	logger.Info("stopped")
	return err
}

func storageName(cfg config.Config) string {
	parts := []string{"SQLite " + cfg.SQLitePath()}
	if cfg.Postgres() {
		parts = []string{"PostgreSQL"}
	}
	if cfg.RedisURL != "" {
		parts = append(parts, "Redis")
	}
	if cfg.AMQPURL != "" {
		parts = append(parts, "RabbitMQ")
	}
	return strings.Join(parts, " + ")
}

func writeConfig(w io.Writer, cfg config.Config) {
	fmt.Fprintln(w, "Effective configuration:")
	for _, f := range config.Fields(&cfg) {
		fmt.Fprintf(w, "  %-36s %s\n", f.Env, f.Value())
	}
}

func printConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flags("config", stderr)
	table := fs.Bool("markdown", false, "print the documentation table of every setting and its default")
	cfg, err := readConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if *table {
		def := config.Default()
		fmt.Fprintln(stdout, "| variable | default | meaning |")
		fmt.Fprintln(stdout, "|---|---|---|")
		for _, f := range config.Fields(&def) {
			v := f.Value()
			if v != "" {
				v = "`" + v + "`"
			}
			fmt.Fprintf(stdout, "| `%s` | %s | %s |\n", f.Env, v, f.Doc)
		}
		return nil
	}
	writeConfig(stdout, cfg)
	return nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(flags("migrate", stderr), args, getenv)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, newLogger(cfg, stderr), app.Options{})
	if err != nil {
		return err
	}
	a.Close()
	fmt.Fprintln(stdout, "migrations are up to date")
	return nil
}

func adminCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: zuju admin create --phone P | --email E --password PW [--nickname N]")
	}
	fs := flags("admin create", stderr)
	phone := fs.String("phone", "", "mobile number of the admin account")
	email := fs.String("email", "", "email of the admin account")
	password := fs.String("password", "", "password (≥ 8 characters, letters and digits)")
	nickname := fs.String("nickname", "", "display name")
	cfg, err := loadConfig(fs, args[1:], getenv)
	if err != nil {
		return err
	}
	if (*phone == "") == (*email == "") || *password == "" {
		return fmt.Errorf("give exactly one of --phone or --email, and --password")
	}
	a, err := app.New(ctx, cfg, newLogger(cfg, stderr), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Users.CreateAdmin(ctx, *phone, *email, *password, *nickname)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "super admin ready: id=%s nickname=%s\n", u.ID, u.Nickname)
	return nil
}

func seed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flags("seed", stderr)
	demo := fs.Bool("demo", false, "add demo accounts and tags")
	cfg, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if !*demo {
		return fmt.Errorf("usage: zuju seed --demo")
	}
	if cfg.Production() {
		return fmt.Errorf("demo data is refused in production")
	}
	a, err := app.New(ctx, cfg, newLogger(cfg, stderr), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.SeedDemo(ctx, stdout)
}
