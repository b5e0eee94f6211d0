// Package chatstore is the GORM store of the chat module, with its
// migrations for SQLite and PostgreSQL.
package chatstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("chat", migrations) }

// Store keeps rooms, members and messages. The send path (room, member,
// numbering and inserting a message) runs on prepared statements.
type Store struct {
	db    *gorm.DB
	sql   *sqldb.DB
	group *groupCommit // SQLite: messages sent together are stored together
}

// New returns a store over db.
func New(db *sqldb.DB) *Store {
	s := &Store{db: db.Gorm, sql: db}
	s.group = newGroupCommit(s)
	return s
}

type roomRow struct {
	ID         string `gorm:"primaryKey"`
	ActivityID string
	Title      string
	LastSeq    int64
	ReadOnlyAt time.Time
	CreatedAt  time.Time
}

func (roomRow) TableName() string { return "chat_rooms" }

func (r roomRow) room() *chat.Room {
	return &chat.Room{ID: r.ID, ActivityID: r.ActivityID, Title: r.Title, LastSeq: r.LastSeq, ReadOnlyAt: r.ReadOnlyAt.UTC(), CreatedAt: r.CreatedAt.UTC()}
}

type memberRow struct {
	RoomID     string `gorm:"primaryKey"`
	UserID     string `gorm:"primaryKey"`
	Role       string
	JoinedAt   time.Time
	LeftAt     *time.Time
	Removed    bool
	MutedUntil *time.Time
	ReadSeq    int64
}

func (memberRow) TableName() string { return "chat_members" }

func (r memberRow) member() chat.Member {
	m := chat.Member{RoomID: r.RoomID, UserID: r.UserID, Role: r.Role, JoinedAt: r.JoinedAt.UTC(), LeftAt: r.LeftAt,
		Removed: r.Removed, MutedUntil: r.MutedUntil, ReadSeq: r.ReadSeq}
	if m.MutedUntil != nil {
		t := m.MutedUntil.UTC()
		m.MutedUntil = &t
	}
	return m
}

type messageRow struct {
	ID        string `gorm:"primaryKey"`
	RoomID    string
	Seq       int64
	SenderID  string
	ClientID  string
	Kind      string
	Content   string
	CreatedAt time.Time
	DeletedAt *time.Time
}

func (messageRow) TableName() string { return "chat_messages" }

func (r messageRow) message() chat.Message {
	m := chat.Message{ID: r.ID, RoomID: r.RoomID, Seq: r.Seq, SenderID: r.SenderID, ClientID: r.ClientID, Kind: r.Kind,
		Content: r.Content, CreatedAt: r.CreatedAt.UTC(), Deleted: r.DeletedAt != nil}
	if m.Deleted {
		m.Content = ""
	}
	return m
}

// CreateRoom creates an activity's room with its members and welcome
// message, once.
func (s *Store) CreateRoom(ctx context.Context, nr chat.NewRoom, now time.Time) (*chat.Room, bool, error) {
	created := false
	st, err := s.appendStatements(ctx)
	if err != nil {
		return nil, false, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO chat_rooms (id, activity_id, title, last_seq, read_only_at, created_at) VALUES (?, ?, ?, 0, ?, ?)
			ON CONFLICT (activity_id) DO NOTHING`, nr.ID, nr.ActivityID, nr.Title, nr.ReadOnlyAt.UTC(), now.UTC())
		if res.Error != nil {
			return fmt.Errorf("create room: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		created = true
		members := []memberRow{{RoomID: nr.ID, UserID: nr.OrganizerID, Role: chat.RoleOrganizer, JoinedAt: now.UTC()}}
		for _, id := range nr.ParticipantIDs {
			if id != nr.OrganizerID {
				members = append(members, memberRow{RoomID: nr.ID, UserID: id, Role: chat.RoleParticipant, JoinedAt: now.UTC()})
			}
		}
		if err := tx.Create(&members).Error; err != nil {
			return fmt.Errorf("add room members: %w", err)
		}
		if nr.Welcome != nil {
			w := *nr.Welcome
			w.RoomID = nr.ID
			stx, err := sqlTx(tx)
			if err != nil {
				return err
			}
			if _, err := st.append(ctx, stx, &w); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	r, err := s.RoomOfActivity(ctx, nr.ActivityID)
	return r, created, err
}

// RoomOfActivity loads an activity's room.
func (s *Store) RoomOfActivity(ctx context.Context, activityID string) (*chat.Room, error) {
	return s.room(ctx, "activity_id = ?", activityID)
}

// Room loads a room.
func (s *Store) Room(ctx context.Context, id string) (*chat.Room, error) {
	return s.room(ctx, "id = ?", id)
}

func (s *Store) room(ctx context.Context, where string, arg string) (*chat.Room, error) {
	st, err := s.sql.Prepared(ctx, `SELECT id, activity_id, title, last_seq, read_only_at, created_at FROM chat_rooms WHERE `+where)
	if err != nil {
		return nil, err
	}
	var r roomRow
	err = st.QueryRow(ctx, nil, arg).Scan(&r.ID, &r.ActivityID, &r.Title, &r.LastSeq, &r.ReadOnlyAt, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, chat.ErrRoomNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load room: %w", err)
	}
	return r.room(), nil
}

// SetMember adds a participant back or lets them leave.
func (s *Store) SetMember(ctx context.Context, roomID, userID string, member bool, now time.Time) (bool, error) {
	if !member {
		res := s.db.WithContext(ctx).Exec(`UPDATE chat_members SET left_at = ? WHERE room_id = ? AND user_id = ? AND left_at IS NULL AND role <> ?`,
			now.UTC(), roomID, userID, chat.RoleOrganizer)
		if res.Error != nil {
			return false, fmt.Errorf("leave room: %w", res.Error)
		}
		return res.RowsAffected == 1, nil
	}
	res := s.db.WithContext(ctx).Exec(`INSERT INTO chat_members (room_id, user_id, role, joined_at, removed, read_seq) VALUES (?, ?, ?, ?, FALSE, 0)
		ON CONFLICT (room_id, user_id) DO UPDATE SET left_at = NULL, joined_at = excluded.joined_at
		WHERE chat_members.left_at IS NOT NULL AND NOT chat_members.removed`, roomID, userID, chat.RoleParticipant, now.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("join room: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Member loads a membership (nil when the user never was a member).
func (s *Store) Member(ctx context.Context, roomID, userID string) (*chat.Member, error) {
	st, err := s.sql.Prepared(ctx, `SELECT room_id, user_id, role, joined_at, left_at, removed, muted_until, read_seq
		FROM chat_members WHERE room_id = ? AND user_id = ?`)
	if err != nil {
		return nil, err
	}
	var r memberRow
	var left, muted sql.Null[time.Time]
	err = st.QueryRow(ctx, nil, roomID, userID).Scan(&r.RoomID, &r.UserID, &r.Role, &r.JoinedAt, &left, &r.Removed, &muted, &r.ReadSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load member: %w", err)
	}
	if left.Valid {
		r.LeftAt = &left.V
	}
	if muted.Valid {
		r.MutedUntil = &muted.V
	}
	m := r.member()
	return &m, nil
}

// RoomMember loads a room and a user's membership of it in one read.
func (s *Store) RoomMember(ctx context.Context, roomID, userID string) (*chat.Room, *chat.Member, error) {
	st, err := s.sql.Prepared(ctx, `SELECT r.id, r.activity_id, r.title, r.last_seq, r.read_only_at, r.created_at,
		m.user_id, m.role, m.joined_at, m.left_at, m.removed, m.muted_until, m.read_seq
		FROM chat_rooms r LEFT JOIN chat_members m ON m.room_id = r.id AND m.user_id = ? WHERE r.id = ?`)
	if err != nil {
		return nil, nil, err
	}
	var r roomRow
	var uid, role sql.Null[string]
	var joined, left, muted sql.Null[time.Time]
	var removed sql.Null[bool]
	var readSeq sql.Null[int64]
	err = st.QueryRow(ctx, nil, userID, roomID).Scan(&r.ID, &r.ActivityID, &r.Title, &r.LastSeq, &r.ReadOnlyAt, &r.CreatedAt,
		&uid, &role, &joined, &left, &removed, &muted, &readSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, chat.ErrRoomNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load room and member: %w", err)
	}
	if !uid.Valid {
		return r.room(), nil, nil
	}
	mr := memberRow{RoomID: r.ID, UserID: uid.V, Role: role.V, JoinedAt: joined.V, Removed: removed.V, ReadSeq: readSeq.V}
	if left.Valid {
		mr.LeftAt = &left.V
	}
	if muted.Valid {
		mr.MutedUntil = &muted.V
	}
	m := mr.member()
	return r.room(), &m, nil
}

// Append stores a message with the room's next number (a resent client
// id returns the stored message, created false). It waits for the next
// group commit.
func (s *Store) Append(ctx context.Context, m *chat.Message) (*chat.Message, bool, error) {
	return s.appendBatched(ctx, m)
}

// appendOnePG numbers the message, stores it and marks it read for its
// sender in one statement: one round trip, and the room's row is locked
// only while it runs.
const appendOnePG = `WITH r AS (UPDATE chat_rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq),
	m AS (INSERT INTO chat_messages (id, room_id, seq, sender_id, client_id, kind, content, created_at)
		SELECT ?, ?, r.last_seq, ?, ?, ?, ?, ? FROM r RETURNING seq),
	o AS (UPDATE chat_members SET read_seq = (SELECT seq FROM m) WHERE room_id = ? AND user_id = ? AND user_id <> '')
	SELECT seq FROM m`

// appendOne is Append on PostgreSQL. A resend is found by the unique
// index (the statement fails whole, the number with it), not by a lookup
// before every message.
func (s *Store) appendOne(ctx context.Context, m *chat.Message) (*chat.Message, bool, error) {
	st, err := s.sql.Prepared(ctx, appendOnePG)
	if err != nil {
		return nil, false, err
	}
	r := messageRow{ID: m.ID, RoomID: m.RoomID, SenderID: m.SenderID, ClientID: m.ClientID, Kind: m.Kind,
		Content: m.Content, CreatedAt: m.CreatedAt.UTC()}
	err = st.QueryRow(ctx, nil, r.RoomID, r.ID, r.RoomID, r.SenderID, r.ClientID, r.Kind, r.Content, r.CreatedAt,
		r.RoomID, r.SenderID).Scan(&r.Seq)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, chat.ErrRoomNotFound
	case err != nil && m.ClientID != "" && sqldb.IsUniqueViolation(err):
		prev, err := s.byClientID(ctx, m)
		if err == nil && prev == nil {
			err = errors.New("message of a client id vanished")
		}
		return prev, false, err
	case err != nil:
		return nil, false, fmt.Errorf("store message: %w", err)
	}
	out := r.message()
	return &out, true, nil
}

// byClientIDQuery loads the sender's message with a client id.
const byClientIDQuery = `SELECT id, room_id, seq, sender_id, client_id, kind, content, created_at, deleted_at
	FROM chat_messages WHERE room_id = ? AND sender_id = ? AND client_id = ? AND client_id <> ''`

// byClientID loads the sender's message with m's client id (nil if none).
func (s *Store) byClientID(ctx context.Context, m *chat.Message) (*chat.Message, error) {
	st, err := s.sql.Prepared(ctx, byClientIDQuery)
	if err != nil {
		return nil, err
	}
	return scanByClientID(st.QueryRow(ctx, nil, m.RoomID, m.SenderID, m.ClientID))
}

// scanByClientID reads a byClientIDQuery row (nil if there is none).
func scanByClientID(row *sql.Row) (*chat.Message, error) {
	var r messageRow
	var deleted sql.Null[time.Time]
	err := row.Scan(&r.ID, &r.RoomID, &r.Seq, &r.SenderID, &r.ClientID, &r.Kind, &r.Content, &r.CreatedAt, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up client id: %w", err)
	}
	if deleted.Valid {
		r.DeletedAt = &deleted.V
	}
	msg := r.message()
	return &msg, nil
}

// insertMessage stores a numbered message; readOwnMessage moves a
// sender's read marker to their message.
const (
	insertMessage = `INSERT INTO chat_messages (id, room_id, seq, sender_id, client_id, kind, content, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	readOwnMessage = `UPDATE chat_members SET read_seq = ? WHERE room_id = ? AND user_id = ?`
)

// appendStmts are the statements that append a message. They are
// prepared before the transaction opens: preparing takes a connection of
// the pool, which a transaction holding the last one would wait for.
type appendStmts struct{ number, insert, readOwn *sqldb.Stmt }

func (s *Store) appendStatements(ctx context.Context) (*appendStmts, error) {
	var st appendStmts
	var err error
	if st.number, err = s.sql.Prepared(ctx, `UPDATE chat_rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq`); err != nil {
		return nil, err
	}
	if st.insert, err = s.sql.Prepared(ctx, insertMessage); err != nil {
		return nil, err
	}
	if st.readOwn, err = s.sql.Prepared(ctx, readOwnMessage); err != nil {
		return nil, err
	}
	return &st, nil
}

// append numbers and inserts a message inside tx; the room's row stays
// locked until tx ends, so numbers commit in order.
func (st *appendStmts) append(ctx context.Context, tx *sql.Tx, m *chat.Message) (*chat.Message, error) {
	var seq int64
	err := st.number.QueryRow(ctx, tx, m.RoomID).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, chat.ErrRoomNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("number message: %w", err)
	}
	r := messageRow{ID: m.ID, RoomID: m.RoomID, Seq: seq, SenderID: m.SenderID, ClientID: m.ClientID, Kind: m.Kind,
		Content: m.Content, CreatedAt: m.CreatedAt.UTC()}
	if _, err := st.insert.Exec(ctx, tx, r.ID, r.RoomID, r.Seq, r.SenderID, r.ClientID, r.Kind, r.Content, r.CreatedAt); err != nil {
		return nil, fmt.Errorf("store message: %w", err)
	}
	if m.SenderID != "" {
		// One's own message is read.
		if _, err := st.readOwn.Exec(ctx, tx, r.Seq, r.RoomID, r.SenderID); err != nil {
			return nil, fmt.Errorf("mark own message read: %w", err)
		}
	}
	out := r.message()
	return &out, nil
}

// sqlTx is the database/sql transaction under a GORM one.
func sqlTx(tx *gorm.DB) (*sql.Tx, error) {
	t, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("chat store: not in a database/sql transaction (%T)", tx.Statement.ConnPool)
	}
	return t, nil
}

// Messages lists a room's messages after or before a number.
func (s *Store) Messages(ctx context.Context, roomID string, after, before int64, limit int) ([]chat.Message, error) {
	q := s.db.WithContext(ctx).Where("room_id = ?", roomID)
	if before > 0 {
		q = q.Where("seq < ?", before).Order("seq DESC")
	} else {
		q = q.Where("seq > ?", after).Order("seq")
	}
	var rows []messageRow
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	out := make([]chat.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].message()
	}
	return out, nil
}

// Rooms lists a user's rooms with unread counts and last messages, in
// one query.
func (s *Store) Rooms(ctx context.Context, userID string) ([]chat.RoomSummary, error) {
	var rows []struct {
		ID, ActivityID, Title         string
		LastSeq, ReadSeq              int64
		ReadOnlyAt, CreatedAt         time.Time
		MID, MSender, MKind, MContent *string
		MCreatedAt, MDeletedAt        *time.Time
	}
	err := s.db.WithContext(ctx).Table("chat_rooms AS r").
		Select(`r.id, r.activity_id, r.title, r.last_seq, r.read_only_at, r.created_at, mb.read_seq,
			m.id AS m_id, m.sender_id AS m_sender, m.kind AS m_kind, m.content AS m_content, m.created_at AS m_created_at, m.deleted_at AS m_deleted_at`).
		Joins("JOIN chat_members AS mb ON mb.room_id = r.id").
		Joins("LEFT JOIN chat_messages AS m ON m.room_id = r.id AND m.seq = r.last_seq").
		Where("mb.user_id = ? AND mb.left_at IS NULL AND NOT mb.removed", userID).
		Order("COALESCE(m.created_at, r.created_at) DESC, r.id").Limit(200).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	out := make([]chat.RoomSummary, len(rows))
	for i, r := range rows {
		out[i] = chat.RoomSummary{Room: chat.Room{ID: r.ID, ActivityID: r.ActivityID, Title: r.Title, LastSeq: r.LastSeq,
			ReadOnlyAt: r.ReadOnlyAt.UTC(), CreatedAt: r.CreatedAt.UTC()}, Unread: max(0, r.LastSeq-r.ReadSeq)}
		if r.MID != nil {
			m := messageRow{ID: *r.MID, RoomID: r.ID, Seq: r.LastSeq, SenderID: deref(r.MSender), Kind: deref(r.MKind),
				Content: deref(r.MContent), DeletedAt: r.MDeletedAt}
			if r.MCreatedAt != nil {
				m.CreatedAt = *r.MCreatedAt
			}
			msg := m.message()
			out[i].Last = &msg
		}
	}
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// MarkRead moves a member's read marker forward.
func (s *Store) MarkRead(ctx context.Context, roomID, userID string, seq int64) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE chat_members SET read_seq = ? WHERE room_id = ? AND user_id = ? AND read_seq < ?
		AND ? <= (SELECT last_seq FROM chat_rooms WHERE id = ?)`, seq, roomID, userID, seq, seq, roomID).Error
	if err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	return nil
}
