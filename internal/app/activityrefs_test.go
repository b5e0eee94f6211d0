package app

import (
	"testing"
	"time"
)

// An activity's tags are known tags of the catalog, at most 5, without
// repeats (ids are stored comma-joined, so a made-up id could break that);
// a club cannot be named until clubs exist.
func TestActivityTagsAndClubAreChecked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13700000001")
		var tags []string
		for _, name := range []string{"篮球", "读书"} {
			r := a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": name})
			expect(t, r, 201, "")
			tags = append(tags, str(r.json(t)["id"]))
		}
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		create := func(k string, v any) response {
			body := activityBody(typeID, start)
			body[k] = v
			return a.api(t, "POST", "/activities", org.Access, body)
		}
		for _, c := range []struct {
			name, field string
			value       any
			code        string
		}{
			{"unknown tag", "tag_ids", []string{tags[0], "nope"}, "activity.unknown_tag"},
			{"comma-joined tags", "tag_ids", []string{tags[0] + "," + tags[1]}, "activity.unknown_tag"},
			{"repeated tag", "tag_ids", []string{tags[0], tags[0]}, "activity.invalid"},
			{"six tags", "tag_ids", []string{"a", "b", "c", "d", "e", "f"}, "activity.invalid"},
			{"a club", "club_id", "club-1", "activity.unknown_club"},
		} {
			if r := create(c.field, c.value); r.Status != 400 || r.code(t) != c.code {
				t.Errorf("%s: %d %s, want 400 %s", c.name, r.Status, r.Body, c.code)
			}
		}
		r := create("tag_ids", tags)
		expect(t, r, 201, "")
		m := r.json(t)
		id := str(m["id"])
		if got := m["tags"].([]any); len(got) != 2 || m["club_id"] != nil {
			t.Fatalf("created: tags %v, club %v", got, m["club_id"])
		}
		expect(t, create("club_id", ""), 201, "")

		for _, c := range []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"tag_ids": []string{"nope"}}, "activity.unknown_tag"},
			{map[string]any{"tag_ids": []string{tags[1], tags[1]}}, "activity.invalid"},
			{map[string]any{"club_id": "club-1"}, "activity.unknown_club"},
		} {
			expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, c.body), 400, c.code)
		}
		r = a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"tag_ids": []string{tags[1]}})
		expect(t, r, 200, "")
		if got := r.json(t)["tags"].([]any); len(got) != 1 || str(got[0].(map[string]any)["id"]) != tags[1] {
			t.Fatalf("edited tags: %v", got)
		}
		// A tag deleted from the catalog later does not block other edits.
		expect(t, a.api(t, "DELETE", "/admin/tags/"+tags[1], root.Access, nil), 204, "")
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"title": "改个标题"}), 200, "")
	})
}
