package activities

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Page sizes of the caller's sign-ups.
const (
	DefaultSignupLimit = 20
	MaxSignupLimit     = 50
)

// ActivityBrief is the summary of an activity shown with a sign-up: what
// every caller may see of it.
type ActivityBrief struct {
	ID       string
	Title    string
	City     string
	StartAt  time.Time
	EndAt    time.Time
	Status   Status
	CoverURL string
	PriceFen int64
}

// MySignup is one of the caller's sign-ups with its activity's summary
// (nil when the activity is gone).
type MySignup struct {
	Signup
	Activity *ActivityBrief
}

// SignupCursor marks where a page of sign-ups ended (newest first).
type SignupCursor struct {
	CreatedAt time.Time
	ID        string
}

const signupCursorPrefix = "s"

func encodeSignupCursor(c SignupCursor) string {
	v := strings.Join([]string{signupCursorPrefix, strconv.FormatInt(c.CreatedAt.UnixNano(), 10), c.ID}, "|")
	return base64.RawURLEncoding.EncodeToString([]byte(v))
}

func decodeSignupCursor(v string) (*SignupCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, ErrBadCursor
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 || parts[0] != signupCursorPrefix || !cursorID(parts[2]) {
		return nil, ErrBadCursor
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, ErrBadCursor
	}
	return &SignupCursor{CreatedAt: time.Unix(0, n).UTC(), ID: parts[2]}, nil
}

// MySignups returns a page of the caller's sign-ups, newest first, each
// with its activity's summary (one batch query for the page), and the
// cursor of the next page ("" on the last). A limit outside 1 to
// MaxSignupLimit is DefaultSignupLimit.
func (s *Service) MySignups(ctx context.Context, cursor string, limit int) ([]MySignup, string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	var after *SignupCursor
	if cursor != "" {
		if after, err = decodeSignupCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	if limit <= 0 || limit > MaxSignupLimit {
		limit = DefaultSignupLimit
	}
	list, err := s.store.MySignups(ctx, p.UserID, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeSignupCursor(SignupCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].ActivityID
	}
	var briefs map[string]ActivityBrief
	if len(ids) > 0 {
		if briefs, err = s.store.ActivityBriefs(ctx, compact(ids)); err != nil {
			return nil, "", err
		}
	}
	out := make([]MySignup, len(list))
	for i := range list {
		out[i].Signup = list[i]
		if b, ok := briefs[list[i].ActivityID]; ok {
			out[i].Activity = &b
		}
	}
	return out, next, nil
}
