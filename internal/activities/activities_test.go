package activities

import "testing"

func TestTransitions(t *testing.T) {
	all := []Status{StatusDraft, StatusPublished, StatusFormed, StatusFinished, StatusCancelled}
	allowed := map[[2]Status]bool{
		{StatusDraft, StatusPublished}: true, {StatusDraft, StatusCancelled}: true,
		{StatusPublished, StatusFormed}: true, {StatusPublished, StatusCancelled}: true,
		{StatusFormed, StatusFinished}: true, {StatusFormed, StatusCancelled}: true,
	}
	for _, from := range all {
		for _, to := range all {
			want := allowed[[2]Status{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
			if err := Transition(from, to); (err == nil) != want {
				t.Errorf("Transition(%s, %s) = %v", from, to, err)
			}
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	if _, err := decodeCursor("!!"); err == nil {
		t.Fatal("bad cursor accepted")
	}
	if _, err := decodeCursor("YWJj"); err == nil { // "abc"
		t.Fatal("cursor without separator accepted")
	}
}
