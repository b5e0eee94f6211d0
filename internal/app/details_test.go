package app

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/audit"
)

// memberSet is the membership test double: the ids in it are members.
type memberSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (m *memberSet) IsMember(_ context.Context, userID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ids[userID], nil
}

func (m *memberSet) set(userID string, member bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]bool{}
	}
	m.ids[userID] = member
}

func withMembers(m activities.Members) appOption {
	return func(_ *config.Config, o *Options) { o.Members = m }
}

// lockable are the fields a caller may find locked.
var lockable = []string{"description", "address", "lat", "lng", "organizer_contact", "participants", "chat_room_id"}

var participantOnly = []string{"address", "lat", "lng", "organizer_contact", "participants", "chat_room_id"}

// Acceptance 4: anonymous, user, member, waitlisted, participant,
// organizer and admin each see exactly their fields, of a normal and of a
// member-only activity; waitlisted, offered and pending-payment people are
// no participants.
func TestLockedFieldsMatrix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		members := &memberSet{}
		a := startApp(t, b, withMembers(members))
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		tag := a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": "篮球", "category": "运动"})
		expect(t, tag, 201, "")
		tagID := str(tag.json(t)["id"])
		org := a.organizer(t, root, "13200000001")
		expect(t, a.api(t, "PATCH", "/me", org.Access, map[string]any{"nickname": "球局发起人"}), 200, "")
		user := a.register(t, "13200000002", "secret-pass-1")
		member := a.register(t, "13200000003", "secret-pass-1")
		waiter := a.register(t, "13200000004", "secret-pass-1")
		part := a.register(t, "13200000005", "secret-pass-1")
		pending := a.register(t, "13200000006", "secret-pass-1")
		for _, u := range []tokens{member, waiter, part, pending} {
			members.set(u.UserID, true)
		}

		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		mk := func(memberOnly bool) string {
			body := activityBody(typeID, start)
			body["min_participants"], body["max_participants"] = 1, 1
			body["member_only"], body["tag_ids"] = memberOnly, []string{tagID}
			r := a.api(t, "POST", "/activities", org.Access, body)
			expect(t, r, 201, "")
			id := str(r.json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
			return id
		}
		normal, exclusive := mk(false), mk(true)
		codes := map[string]string{}
		for _, id := range []string{normal, exclusive} {
			s := a.api(t, "POST", "/activities/"+id+"/signups", part.Access, nil)
			expect(t, s, 201, "")
			codes[id] = str(s.json(t)["signup"].(map[string]any)["check_in_code"])
			w := a.api(t, "POST", "/activities/"+id+"/signups", waiter.Access, nil)
			expect(t, w, 201, "")
			if st := str(w.json(t)["signup"].(map[string]any)["status"]); st != "waitlisted" {
				t.Fatalf("second sign-up %s, want waitlisted", st)
			}
			// A seat held for payment (paid sign-ups come with payments).
			now := time.Now().UTC()
			if err := a.DB.Gorm.Exec(`INSERT INTO signups (id, activity_id, user_id, status, position, check_in_code, idempotency_key, created_at, updated_at)
				VALUES (?, ?, ?, 'pending_payment', 0, 'held', '', ?, ?)`, "held-"+id, id, pending.UserID, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		// Membership ends after signing up: a participant stays one.
		members.set(part.UserID, false)

		callers := []struct {
			name  string
			token string
			// locked fields of the normal and of the member-only activity
			normal, exclusive []string
		}{
			{"anonymous", "", participantOnly, lockable},
			{"user", user.Access, participantOnly, lockable},
			{"member", member.Access, participantOnly, participantOnly},
			{"waitlisted", waiter.Access, participantOnly, participantOnly},
			{"pending payment", pending.Access, participantOnly, participantOnly},
			{"participant", part.Access, nil, nil},
			{"organizer", org.Access, nil, nil},
			{"admin", root.Access, nil, nil},
		}
		for _, c := range callers {
			for _, act := range []struct {
				id     string
				locked []string
			}{{normal, c.normal}, {exclusive, c.exclusive}} {
				r := a.api(t, "GET", "/activities/"+act.id, c.token, nil)
				expect(t, r, 200, "")
				checkView(t, c.name, r, act.locked, viewWant{orgID: org.UserID, orgPhone: "13200000001", tagID: tagID, participant: part.UserID})
				// Nobody reads another's check-in code or phone through the view.
				if bytes.Contains(r.Body, []byte(codes[act.id])) || bytes.Contains(r.Body, []byte("13200000005")) {
					t.Fatalf("%s: details leak a participant's code or phone: %s", c.name, r.Body)
				}
			}
		}

		// Lists: one summary per activity without per-row lookups; the
		// participants are never loaded, and the caller's own sign-up is
		// not consulted (participant-only fields for the organizer and staff).
		lists := []struct {
			name              string
			token             string
			normal, exclusive []string
		}{
			{"anonymous", "", participantOnly, lockable},
			{"member", member.Access, participantOnly, participantOnly},
			{"participant", part.Access, participantOnly, lockable},
			{"organizer", org.Access, nil, nil},
			{"admin", root.Access, nil, nil},
		}
		for _, c := range lists {
			r := a.api(t, "GET", "/activities", c.token, nil)
			expect(t, r, 200, "")
			items := r.json(t)["items"].([]any)
			if len(items) != 2 {
				t.Fatalf("%s: list of %d", c.name, len(items))
			}
			for _, it := range items {
				m := it.(map[string]any)
				want := c.normal
				if m["member_only"].(bool) {
					want = c.exclusive
				}
				if got := lockedOf(m); !slices.Equal(got, sorted(want)) {
					t.Fatalf("%s list: locked %v, want %v", c.name, got, want)
				}
				if m["participants"] != nil {
					t.Fatalf("%s list: participants loaded: %v", c.name, m)
				}
				if o := m["organizer"].(map[string]any); str(o["nickname"]) != "球局发起人" {
					t.Fatalf("%s list: organizer %v", c.name, o)
				}
			}
		}

		// A participant who cancels, and the waitlisted person now offered
		// the seat, see no details; the offer taken, they do.
		expect(t, a.api(t, "DELETE", "/activities/"+normal+"/signups/me", part.Access, nil), 200, "")
		for _, u := range []tokens{part, waiter} {
			checkView(t, "after cancel", a.api(t, "GET", "/activities/"+normal, u.Access, nil), participantOnly, viewWant{orgID: org.UserID, orgPhone: "13200000001", tagID: tagID})
		}
		expect(t, a.api(t, "POST", "/activities/"+normal+"/signups/me/accept", waiter.Access, nil), 200, "")
		checkView(t, "offer taken", a.api(t, "GET", "/activities/"+normal, waiter.Access, nil), nil,
			viewWant{orgID: org.UserID, orgPhone: "13200000001", tagID: tagID, participant: waiter.UserID})
	})
}

type viewWant struct {
	orgID, orgPhone, tagID string
	participant            string // the one confirmed participant, when visible
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func lockedOf(m map[string]any) []string {
	got := []string{}
	for _, f := range m["locked_fields"].([]any) {
		got = append(got, f.(string))
	}
	slices.Sort(got)
	return got
}

// checkView asserts the exact locked set, that every locked field is null
// and every visible one holds its value (chat_room_id stays null until
// chat exists).
func checkView(t *testing.T, who string, r response, locked []string, w viewWant) {
	t.Helper()
	expect(t, r, 200, "")
	m := r.json(t)
	if got := lockedOf(m); !slices.Equal(got, sorted(locked)) {
		t.Fatalf("%s: locked %v, want %v: %s", who, got, sorted(locked), r.Body)
	}
	for _, f := range lockable {
		v, present := m[f]
		if !present {
			t.Fatalf("%s: field %s missing: %s", who, f, r.Body)
		}
		if slices.Contains(locked, f) {
			if v != nil {
				t.Fatalf("%s: locked %s = %v", who, f, v)
			}
			continue
		}
		switch f {
		case "chat_room_id":
			// The room of a formed activity shares its id; none before.
			formed := m["status"] == "formed" || m["status"] == "finished"
			if (formed && v != m["id"]) || (!formed && v != nil) {
				t.Fatalf("%s: chat room %v of a %v activity", who, v, m["status"])
			}
		case "description":
			if v != "一起打球" {
				t.Fatalf("%s: description %v", who, v)
			}
		case "address":
			if v != "徐汇区体育馆 3 号场" {
				t.Fatalf("%s: address %v", who, v)
			}
		case "organizer_contact":
			if v != w.orgPhone {
				t.Fatalf("%s: organizer contact %v", who, v)
			}
		case "participants":
			ps, _ := v.([]any)
			if len(ps) != 1 {
				t.Fatalf("%s: participants %v", who, v)
			}
			p := ps[0].(map[string]any)
			if keys := slices.Sorted(maps.Keys(p)); !slices.Equal(keys, []string{"avatar_url", "id", "nickname"}) || p["id"] != w.participant || p["nickname"] != "测试用户" {
				t.Fatalf("%s: participant %v", who, p)
			}
		default:
			if v == nil {
				t.Fatalf("%s: visible %s is null", who, f)
			}
		}
	}
	o := m["organizer"].(map[string]any)
	if keys := slices.Sorted(maps.Keys(o)); !slices.Equal(keys, []string{"avatar_url", "id", "nickname"}) || o["id"] != w.orgID || o["nickname"] != "球局发起人" {
		t.Fatalf("%s: organizer %v", who, o)
	}
	if tags := m["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["id"] != w.tagID || tags[0].(map[string]any)["name"] != "篮球" {
		t.Fatalf("%s: tags %v", who, m["tags"])
	}
	if !slices.Contains(locked, "organizer_contact") {
		return
	}
	if bytes.Contains(r.Body, []byte(w.orgPhone)) {
		t.Fatalf("%s: organizer phone leaks: %s", who, r.Body)
	}
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Cover upload: PNG and JPEG are stored through the file store; anything
// else, too large, someone else's activity or a closed one is refused.
func TestActivityCoverUpload(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13300000001")
		other := a.organizer(t, root, "13300000002")
		user := a.register(t, "13300000003", "secret-pass-1")
		r := a.api(t, "POST", "/activities", org.Access, activityBody(typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second)))
		expect(t, r, 201, "")
		id := str(r.json(t)["id"])
		url := a.URL + "/api/v1/activities/" + id + "/cover"

		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")
		up := upload(t, url, org.Access, "cover.png", png)
		expect(t, up, 200, "")
		cover := str(up.json(t)["cover_url"])
		if !strings.HasPrefix(cover, "/files/covers/"+id+"/") || !strings.HasSuffix(cover, ".png") || up.json(t)["address"] == nil {
			t.Fatalf("cover upload: %s", up.Body)
		}
		img := call(t, "GET", a.URL+cover, "", nil)
		if img.Status != 200 || img.Header.Get("Content-Type") != "image/png" || !bytes.Equal(img.Body, png) {
			t.Fatalf("cover served as %d %v", img.Status, img.Header)
		}
		// A JPEG replaces it (the client's file name means nothing).
		up = upload(t, url, org.Access, "cover.png", jpegBytes(t))
		expect(t, up, 200, "")
		if c := str(up.json(t)["cover_url"]); !strings.HasSuffix(c, ".jpg") || c == cover {
			t.Fatalf("jpeg cover %q", c)
		}
		if got := str(a.api(t, "GET", "/activities/"+id, org.Access, nil).json(t)["cover_url"]); got != str(up.json(t)["cover_url"]) {
			t.Fatalf("details show cover %q", got)
		}

		expect(t, upload(t, url, org.Access, "x.png", []byte("<html><script>alert(1)</script></html>")), 415, "file.invalid_image")
		expect(t, upload(t, url, org.Access, "x.png", png[:20]), 415, "file.invalid_image")
		expect(t, upload(t, url, org.Access, "big.png", append(slices.Clone(png), make([]byte, 2<<20)...)), 413, "file.too_large")
		expect(t, upload(t, url, other.Access, "cover.png", png), 403, "activity.not_organizer")
		expect(t, upload(t, url, user.Access, "cover.png", png), 403, "activity.not_organizer")
		expect(t, upload(t, url, "", "cover.png", png), 401, "auth.unauthenticated")
		expect(t, upload(t, a.URL+"/api/v1/activities/nope/cover", org.Access, "cover.png", png), 404, "activity.not_found")

		// Staff may change it, audited; a closed activity keeps its cover.
		before := str(a.api(t, "GET", "/activities/"+id, org.Access, nil).json(t)["cover_url"])
		expect(t, upload(t, url, root.Access, "cover.png", png), 200, "")
		var n int64
		a.DB.Gorm.Model(&audit.Entry{}).Where("action = ? AND target_id = ?", "activity.cover", id).Count(&n)
		if n != 1 {
			t.Fatalf("%d cover audit rows, want 1", n)
		}
		if str(a.api(t, "GET", "/activities/"+id, org.Access, nil).json(t)["cover_url"]) == before {
			t.Fatal("admin's cover not stored")
		}
		expect(t, a.api(t, "POST", "/activities/"+id+"/cancel", org.Access, nil), 200, "")
		expect(t, upload(t, url, org.Access, "cover.png", png), 409, "activity.not_editable")
	})
}
