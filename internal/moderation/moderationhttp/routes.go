// Package moderationhttp exposes the moderation admin API: sensitive
// words.
package moderationhttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/moderation"
)

var bearer = []map[string][]string{{"bearer": {}}}

type handlers struct{ svc *moderation.Service }

// Register adds the routes.
func Register(api huma.API, svc *moderation.Service) {
	h := handlers{svc: svc}
	tag := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-list-sensitive-words", Method: http.MethodGet, Path: "/admin/sensitive-words",
		Summary: "The sensitive words admins added (on top of the starter list; staff)", Tags: tag, Security: bearer}, h.list)
	huma.Register(api, huma.Operation{OperationID: "admin-create-sensitive-word", Method: http.MethodPost, Path: "/admin/sensitive-words",
		Summary: "Add a sensitive word with its action (admins; audited; applied on every replica within seconds)", Tags: tag, Security: bearer,
		DefaultStatus: http.StatusCreated}, h.create)
	huma.Register(api, huma.Operation{OperationID: "admin-update-sensitive-word", Method: http.MethodPatch, Path: "/admin/sensitive-words/{id}",
		Summary: "Change a word's action (admins; audited)", Tags: tag, Security: bearer}, h.update)
	huma.Register(api, huma.Operation{OperationID: "admin-delete-sensitive-word", Method: http.MethodDelete, Path: "/admin/sensitive-words/{id}",
		Summary: "Remove a word (admins; audited)", Tags: tag, Security: bearer, DefaultStatus: http.StatusNoContent}, h.delete)
}

// WordDTO is a sensitive word.
type WordDTO struct {
	ID        string    `json:"id"`
	Word      string    `json:"word"`
	Action    string    `json:"action" enum:"block,replace,review"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toWord(w *moderation.Word) WordDTO {
	return WordDTO{ID: w.ID, Word: w.Text, Action: w.Action.String(), CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

type wordsOut struct {
	Body struct {
		Items []WordDTO `json:"items"`
		Total int       `json:"total"`
	}
}

func (h handlers) list(ctx context.Context, _ *struct{}) (*wordsOut, error) {
	list, err := h.svc.Words(ctx)
	if err != nil {
		return nil, err
	}
	out := &wordsOut{}
	out.Body.Items = make([]WordDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toWord(&list[i])
	}
	out.Body.Total = len(list)
	return out, nil
}

type wordIn struct {
	Body struct {
		Word   string `json:"word" maxLength:"200"`
		Action string `json:"action" enum:"block,replace,review"`
	}
}

type wordOut struct{ Body WordDTO }

func (h handlers) create(ctx context.Context, in *wordIn) (*wordOut, error) {
	w, err := h.svc.CreateWord(ctx, in.Body.Word, in.Body.Action)
	if err != nil {
		return nil, err
	}
	return &wordOut{Body: toWord(w)}, nil
}

type wordPatchIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Action string `json:"action" enum:"block,replace,review"`
	}
}

func (h handlers) update(ctx context.Context, in *wordPatchIn) (*wordOut, error) {
	w, err := h.svc.UpdateWord(ctx, in.ID, in.Body.Action)
	if err != nil {
		return nil, err
	}
	return &wordOut{Body: toWord(w)}, nil
}

type wordIDIn struct {
	ID string `path:"id" maxLength:"64"`
}

func (h handlers) delete(ctx context.Context, in *wordIDIn) (*struct{}, error) {
	return nil, h.svc.DeleteWord(ctx, in.ID)
}
