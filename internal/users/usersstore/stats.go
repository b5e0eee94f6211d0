package usersstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/users"
)

// MarkActive records the user active on day, once (the first time stays).
func (s *Store) MarkActive(ctx context.Context, userID, day string, at time.Time) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO user_active_days (user_id, day, first_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, day) DO NOTHING`, userID, day, at.UTC()).Error
	if err != nil {
		return fmt.Errorf("mark active day: %w", err)
	}
	return nil
}

// countsQuery reads both counts of a window [from, to) from the time
// indexes (its arguments: from, to, from, to).
const countsQuery = `SELECT
	(SELECT COUNT(*) FROM users WHERE created_at >= ? AND created_at < ?),
	(SELECT COUNT(*) FROM user_active_days WHERE first_at >= ? AND first_at < ?)`

// firstQuery reads the oldest account's creation time from its index.
const firstQuery = "SELECT created_at FROM users ORDER BY created_at LIMIT 1"

// Counts counts, in one round trip over the time indexes, the accounts
// created in [from, to) and the active days first seen in it.
func (s *Store) Counts(ctx context.Context, from, to time.Time) (users.Counts, error) {
	var c users.Counts
	f, t := from.UTC(), to.UTC()
	if err := s.raw.SQL.QueryRowContext(ctx, sqldb.Rebind(s.pg, countsQuery), f, t, f, t).Scan(&c.NewUsers, &c.ActiveUsers); err != nil {
		return c, fmt.Errorf("count users: %w", err)
	}
	return c, nil
}

// FirstCreatedAt is the creation time of the oldest account (zero without
// accounts), read from the creation index.
func (s *Store) FirstCreatedAt(ctx context.Context) (time.Time, error) {
	var at time.Time
	err := s.raw.SQL.QueryRowContext(ctx, firstQuery).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("first account: %w", err)
	}
	return at.UTC(), nil
}
