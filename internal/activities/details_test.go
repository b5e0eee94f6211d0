package activities

import (
	"slices"
	"testing"
)

func TestLockedByAccess(t *testing.T) {
	normal, exclusive := &Activity{}, &Activity{MemberOnly: true}
	all := append([]string{FieldDescription}, participantFields...)
	cases := []struct {
		acc  access
		a    *Activity
		want []string
	}{
		{accessPublic, normal, participantFields},
		{accessMember, normal, participantFields},
		{accessFull, normal, nil},
		{accessPublic, exclusive, all},
		{accessMember, exclusive, participantFields},
		{accessFull, exclusive, nil},
	}
	for _, c := range cases {
		if got := c.acc.locked(c.a); !slices.Equal(got, c.want) {
			t.Errorf("access %d, member only %v: %v, want %v", c.acc, c.a.MemberOnly, got, c.want)
		}
	}
	// The returned list is the caller's: changing it leaves the next one whole.
	acc := accessPublic.locked(normal)
	acc[0] = "x"
	if accessPublic.locked(normal)[0] != FieldAddress {
		t.Fatal("locked fields share storage")
	}
}

func TestViewHidesAndNames(t *testing.T) {
	s := &Service{}
	a := &Activity{ID: "a1", OrganizerID: "o1", TagIDs: []string{"t1", "gone"}, Address: "某路 1 号", Lat: 31, Lng: 121,
		Description: "会员专享", MemberOnly: true}
	r := refs{people: map[string]Person{"o1": {Nickname: "组织者", Phone: "13800000000"}}, tags: map[string]string{"t1": "篮球"}, named: true}
	v := s.view(a, accessPublic, r)
	if v.Address != "" || v.Lat != 0 || v.Description != "" || v.Contact != "" || v.Organizer.Phone != "" || a.Address == "" {
		t.Fatalf("public view: %+v (stored %+v)", v, a)
	}
	if v.Organizer.ID != "o1" || v.Organizer.Nickname != "组织者" || !slices.Equal(v.Tags, []Tag{{ID: "t1", Name: "篮球"}}) {
		t.Fatalf("public view names: %+v", v)
	}
	full := s.view(a, accessFull, r)
	if full.Contact != "13800000000" || full.Organizer.Phone != "" || full.Address != "某路 1 号" || full.Locked != nil {
		t.Fatalf("full view: %+v", full)
	}
	// Without a catalog the ids still show.
	if got := (refs{}).tagsOf(a.TagIDs); len(got) != 2 || got[1].ID != "gone" {
		t.Fatalf("tags without catalog: %v", got)
	}
}
