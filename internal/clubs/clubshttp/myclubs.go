package clubshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// registerMyClubs adds GET /me/clubs.
func registerMyClubs(api huma.API, h handlers) {
	huma.Register(api, huma.Operation{OperationID: "list-my-clubs", Method: http.MethodGet, Path: "/me/clubs",
		Summary: "The caller's clubs with their role, most recently joined first (dissolved ones left out)", Tags: []string{"Clubs"},
		Security: bearer}, h.myClubs)
}

// ClubMyClubDTO is one of the caller's clubs: the club (my_role is their
// role) and when they joined.
type ClubMyClubDTO struct {
	ClubDTO
	JoinedAt time.Time `json:"joined_at"`
}

type clubMyClubsIn struct {
	Cursor string `query:"cursor" maxLength:"200"`
	Limit  int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

type clubMyClubsOut struct {
	Body struct {
		Items      []ClubMyClubDTO `json:"items"`
		NextCursor *string         `json:"next_cursor"`
	}
}

func (h handlers) myClubs(ctx context.Context, in *clubMyClubsIn) (*clubMyClubsOut, error) {
	list, next, err := h.svc.MyClubs(ctx, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &clubMyClubsOut{}
	out.Body.Items = make([]ClubMyClubDTO, len(list))
	for i := range list {
		out.Body.Items[i] = ClubMyClubDTO{ClubDTO: toClub(&list[i].View), JoinedAt: list[i].JoinedAt}
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}
