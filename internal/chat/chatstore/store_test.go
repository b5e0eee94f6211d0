package chatstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatstore"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

var now = time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC)

func msg(room, sender, client, content string) *chat.Message {
	return &chat.Message{ID: uuid.Must(uuid.NewV7()).String(), RoomID: room, SenderID: sender, ClientID: client, Kind: chat.KindText,
		Content: content, CreatedAt: now}
}

func TestRoomsMembersAndMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := chatstore.New(db)
		nr := chat.NewRoom{ID: "room-1", ActivityID: "act-1", Title: "周末篮球局", OrganizerID: "org", ParticipantIDs: []string{"u1", "u2", "org"},
			ReadOnlyAt: now.Add(72 * time.Hour), Welcome: &chat.Message{ID: "welcome", Kind: chat.KindSystem, Content: "活动已成局", CreatedAt: now}}
		r, created, err := s.CreateRoom(ctx, nr, now)
		if err != nil || !created || r.LastSeq != 1 {
			t.Fatalf("create: %+v %v %v", r, created, err)
		}
		nr.ID = "room-2"
		if again, created, err := s.CreateRoom(ctx, nr, now); err != nil || created || again.ID != "room-1" {
			t.Fatalf("redelivered formation: %+v %v %v", again, created, err)
		}
		if m, _ := s.Member(ctx, "room-1", "org"); !m.Active() || m.Role != chat.RoleOrganizer {
			t.Fatalf("organizer: %+v", m)
		}

		// Messages are numbered in order; a resent client id stores one.
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if _, _, err := s.Append(ctx, msg("room-1", "u1", fmt.Sprintf("c%d", i%10), "你好")); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		all, err := s.Messages(ctx, "room-1", 0, 0, 100)
		if err != nil || len(all) != 11 {
			t.Fatalf("%d messages (want welcome + 10): %v", len(all), err)
		}
		for i, m := range all {
			if m.Seq != int64(i+1) {
				t.Fatalf("message %d has number %d", i, m.Seq)
			}
		}
		first, created, err := s.Append(ctx, msg("room-1", "u1", "c3", "again"))
		if err != nil || created || first.Content != "你好" {
			t.Fatalf("resent client id: %+v %v %v", first, created, err)
		}
		if after, _ := s.Messages(ctx, "room-1", 9, 0, 100); len(after) != 2 || after[0].Seq != 10 {
			t.Fatalf("resume after 9: %+v", after)
		}
		if page, _ := s.Messages(ctx, "room-1", 0, 5, 2); len(page) != 2 || page[0].Seq != 4 || page[1].Seq != 3 {
			t.Fatalf("history before 5: %+v", page)
		}

		// Unread: u2 has all 11; u1 read its own; read markers only move forward.
		rooms, err := s.Rooms(ctx, "u2")
		if err != nil || len(rooms) != 1 || rooms[0].Unread != 11 || rooms[0].Last == nil || rooms[0].Last.Seq != 11 {
			t.Fatalf("u2's rooms: %+v %v", rooms, err)
		}
		if rooms, _ := s.Rooms(ctx, "u1"); rooms[0].Unread != 0 {
			t.Fatalf("u1 has %d unread of its own", rooms[0].Unread)
		}
		if err := s.MarkRead(ctx, "room-1", "u2", 8); err != nil {
			t.Fatal(err)
		}
		_ = s.MarkRead(ctx, "room-1", "u2", 3)
		_ = s.MarkRead(ctx, "room-1", "u2", 99) // beyond the last message: ignored
		if rooms, _ := s.Rooms(ctx, "u2"); rooms[0].Unread != 3 {
			t.Fatalf("u2 unread %d, want 3", rooms[0].Unread)
		}

		// Leaving and coming back; the organizer never leaves.
		if ok, err := s.SetMember(ctx, "room-1", "u2", false, now); !ok || err != nil {
			t.Fatalf("leave: %v %v", ok, err)
		}
		if rooms, _ := s.Rooms(ctx, "u2"); len(rooms) != 0 {
			t.Fatal("a member who left still lists the room")
		}
		if ok, _ := s.SetMember(ctx, "room-1", "u2", false, now); ok {
			t.Fatal("left twice")
		}
		if ok, err := s.SetMember(ctx, "room-1", "u2", true, now); !ok || err != nil {
			t.Fatalf("come back: %v %v", ok, err)
		}
		if ok, _ := s.SetMember(ctx, "room-1", "u2", true, now); ok {
			t.Fatal("joined twice")
		}
		if ok, _ := s.SetMember(ctx, "room-1", "u3", true, now); !ok {
			t.Fatal("a new participant did not join")
		}
		if ok, _ := s.SetMember(ctx, "room-1", "org", false, now); ok {
			t.Fatal("the organizer left")
		}
		if _, _, err := s.Append(ctx, msg("nope", "u1", "", "x")); err == nil {
			t.Fatal("a message in no room was stored")
		}
	}, chatstore.Migrations())
}
