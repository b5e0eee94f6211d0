package app

import (
	"testing"
)

// clubCategory adds a club category as root and returns its id.
func (a *testApp) clubCategory(t *testing.T, root tokens, name string) string {
	t.Helper()
	r := a.api(t, "POST", "/admin/club-categories", root.Access, map[string]any{"name": name})
	expect(t, r, 201, "")
	return str(r.json(t)["id"])
}

// activeClub founds a club owned by owner, has root approve it, lets
// members apply and the owner approve them, and makes officers officers.
func (a *testApp) activeClub(t *testing.T, root tokens, category, name string, owner tokens, officers, members []tokens) string {
	t.Helper()
	r := a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": name, "category_id": category, "description": name + "的简介"})
	expect(t, r, 201, "")
	id := str(r.json(t)["id"])
	expect(t, a.api(t, "POST", "/admin/clubs/"+id+"/approve", root.Access, nil), 200, "")
	for _, m := range append(append([]tokens{}, officers...), members...) {
		a.joinClub(t, id, owner, m)
	}
	for _, o := range officers {
		expect(t, a.api(t, "PATCH", "/clubs/"+id+"/members/"+o.UserID, owner.Access, map[string]any{"role": "officer"}), 200, "")
	}
	return id
}

// joinClub has who apply to the club and by approve it.
func (a *testApp) joinClub(t *testing.T, clubID string, by, who tokens) {
	t.Helper()
	r := a.api(t, "POST", "/clubs/"+clubID+"/applications", who.Access, map[string]any{"message": "想加入"})
	expect(t, r, 201, "")
	expect(t, a.api(t, "POST", "/clubs/"+clubID+"/applications/"+str(r.json(t)["id"])+"/approve", by.Access, nil), 200, "")
}

// ids lists the "id" (or key) of a list answer's items.
func itemIDs(t *testing.T, r response, key string) []string {
	t.Helper()
	var out []string
	for _, it := range items(t, r) {
		out = append(out, str(it[key]))
	}
	return out
}
